//! The russh server handler of a simulated device: authentication as the spec says, session
//! channels with a PTY and a CLI shell.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Response, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, Pty};

use super::counters::{DeviceCounters, bump};
use super::offer::method_set;
use super::shell::CliShell;
use super::spec::{AuthMethod, DeviceSpec};

/// Shared by every connection of one device.
pub(super) struct DeviceContext {
    pub spec: DeviceSpec,
    pub counters: Arc<DeviceCounters>,
    pub config: Arc<russh::server::Config>,
}

pub(super) struct DeviceHandler {
    ctx: Arc<DeviceContext>,
    shells: HashMap<ChannelId, CliShell>,
}

impl DeviceHandler {
    pub(super) fn new(ctx: Arc<DeviceContext>) -> Self {
        DeviceHandler {
            ctx,
            shells: HashMap::new(),
        }
    }

    fn spec(&self) -> &DeviceSpec {
        &self.ctx.spec
    }

    /// Keeps offering every configured method after a failure (russh would otherwise drop the
    /// failed one from the list, which real devices do not do).
    fn reject(&self) -> Auth {
        Auth::Reject {
            proceed_with_methods: Some(method_set(&self.spec().auth_methods)),
            partial_success: false,
        }
    }

    fn verdict(&self, accepted: bool) -> Auth {
        if accepted {
            Auth::Accept
        } else {
            self.reject()
        }
    }

    fn password_ok(&self, method: AuthMethod, user: &str, password: &[u8]) -> bool {
        let spec = self.spec();
        spec.offers(method)
            && user == spec.username
            && spec.password.as_deref().map(str::as_bytes) == Some(password)
    }

    fn key_authorized(&self, user: &str, key: &russh::keys::PublicKey) -> bool {
        let spec = self.spec();
        spec.offers(AuthMethod::PublicKey)
            && user == spec.username
            && spec
                .authorized_keys
                .iter()
                .any(|k| k.key_data() == key.key_data())
    }

    /// Shell output, in one packet or in pieces of `output_packet_bytes`.
    fn send_output(
        &self,
        channel: ChannelId,
        output: Vec<u8>,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        match self.spec().output_packet_bytes {
            Some(size) => output
                .chunks(size.max(1))
                .try_for_each(|piece| session.data(channel, piece.to_vec())),
            None => session.data(channel, output),
        }
    }

    fn close_channel(channel: ChannelId, session: &mut Session) -> Result<(), russh::Error> {
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)
    }
}

impl Handler for DeviceHandler {
    type Error = russh::Error;

    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(self.spec().auth_banner.clone())
    }

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        bump(&self.ctx.counters.auth_none);
        Ok(self.reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        bump(&self.ctx.counters.auth_password);
        Ok(self.verdict(self.password_ok(AuthMethod::Password, user, password.as_bytes())))
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Called once per offered key (probe or direct signature), so it counts attempts.
        bump(&self.ctx.counters.auth_publickey);
        Ok(self.verdict(self.key_authorized(user, offer.public_key)))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.verdict(self.key_authorized(user, key.public_key)))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut answers) = response else {
            bump(&self.ctx.counters.auth_keyboard_interactive);
            if !self.spec().offers(AuthMethod::KeyboardInteractive) {
                return Ok(self.reject());
            }
            return Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            });
        };
        let answer = answers.next().unwrap_or_default();
        let accepted = answers.next().is_none()
            && self.password_ok(AuthMethod::KeyboardInteractive, user, &answer);
        Ok(self.verdict(accepted))
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        bump(&self.ctx.counters.auth_success);
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The channel object is dropped: output goes through `Session::data`, input through
        // `data` below.
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.spec().refuse_shell {
            session.channel_failure(channel)
        } else {
            session.channel_success(channel)
        }
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.spec().refuse_shell || self.shells.contains_key(&channel) {
            return session.channel_failure(channel);
        }
        let shell = CliShell::new(self.spec());
        let early = self.spec().greeting_before_shell_reply;
        let greeting =
            (!self.spec().silent_shell).then(|| shell.greeting(self.spec().motd.as_deref()));
        if early && let Some(greeting) = &greeting {
            self.send_output(channel, greeting.clone(), session)?;
        }
        session.channel_success(channel)?;
        bump(&self.ctx.counters.shells);
        if let Some(greeting) = greeting {
            if !early {
                self.send_output(channel, greeting, session)?;
            }
            if self.spec().close_after_greeting {
                return Self::close_channel(channel, session);
            }
            self.shells.insert(channel, shell);
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    /// No subsystems (no SFTP), refused as IOS without its servers refuses them.
    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(shell) = self.shells.get_mut(&channel) else {
            return Ok(());
        };
        let reply = shell.feed(data);
        for _ in 0..reply.enable_attempts {
            bump(&self.ctx.counters.enable_attempts);
        }
        if !reply.output.is_empty() {
            self.send_output(channel, reply.output, session)?;
        }
        if reply.close {
            self.shells.remove(&channel);
            Self::close_channel(channel, session)?;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shells.remove(&channel);
        Ok(())
    }
}
