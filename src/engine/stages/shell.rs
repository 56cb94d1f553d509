//! The interactive shell channel shared by `prompt` and `enable`.

pub struct Shell {}

impl Shell {
    pub async fn close(self) {}
}
