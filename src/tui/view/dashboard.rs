//! The dashboard: one row per device, one column per stage, the reason of the first failure.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ sshtriage · 9 devices: 1 ready, 7 failing, 1 probing, 0 waiting  sort: name  │ header
//! │ ✗ 2 fail at banner, 1 at kex, 1 at host_key             failing only         │
//! │ ◆ run.json · taken 2025-06-01 12:00:03 UTC · from lab.toml        read-only  │ saved runs only
//! │ filter: ios  (/ edit · Esc clear)                    3 of 9 devices match     │ only when filtering
//! │   device    address     dtbkhmape why                                   time │ column titles
//! │ ── ✗ fail at kex · 2 devices ────────────────────────────────────────────── │ group (b)
//! │ ▶ r2        10.0.0.2:22 ✓✓✓✗----- kex: no common kex (server offers on… 31ms │ rows
//! │ ▶ r2 · kex: no common kex (server offers only diffie-hellman-group14-sha1)   │ selected, in full,
//! │   Your client enables none of the device's key exchanges: add one where it   │ wrapped at words:
//! │   reads them (a, or the command below).                                      │ why, what to do,
//! │   $ sshtriage fix algorithms r2 lab.toml                                      │ the commands
//! │ Enter open r re-probe a fix algorithms w watch / filter ? help (3 more) q quit│ hint bar
//! └──────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The why column takes the width the other columns leave: the nine stage columns are one
//! strip of glyphs (`dtbkhmape`) until the why keeps `WHY_WANTED` cells beside 3-letter
//! titles (about 145 columns), then full titles. Only the rows in the visible window are
//! built, so a frame costs the same for 10 or 10,000 devices.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

use super::{filter_input, glyphs, header, hint_bar, saved_run, selection_line};
use crate::model::Stage;
use crate::tui::app::{App, Notice};
use crate::tui::device::DeviceRow;
use crate::tui::table_model::TableLine;
use crate::tui::text;
use crate::tui::theme::Theme;

const HIGHLIGHT: &str = "▶ ";
const TIME_WIDTH: usize = 6;

/// How the nine stage columns are drawn at this width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StageColumns {
    /// One column, glyphs side by side.
    Strip,
    /// Nine 3-wide columns with 3-letter titles.
    Short,
    /// Nine columns as wide as their full titles.
    Full,
}

impl StageColumns {
    fn widths(self) -> Vec<usize> {
        match self {
            StageColumns::Strip => vec![Stage::ALL.len()],
            StageColumns::Short => vec![3; Stage::ALL.len()],
            StageColumns::Full => Stage::ALL.iter().map(|s| s.name().len()).collect(),
        }
    }
}

/// Column widths for one frame.
struct Columns {
    stages: StageColumns,
    name: usize,
    address: usize,
    /// The client the verdicts are about (`openssh-9.2`) when devices differ in it; 0 when
    /// they all share one (the header says it) or on narrow screens.
    client: usize,
    why: usize,
}

/// Wide enough for `openssh-10.0`, `paramiko-5.1`, `libssh-0.11`.
const CLIENT_WIDTH: usize = 12;

/// The why column's room before the stage columns may widen: most reasons in full.
const WHY_WANTED: usize = 72;

impl Columns {
    /// The reason takes the free width: the stage columns widen (3-letter titles, then full
    /// ones) only while the why keeps `WHY_WANTED` cells, so a wide screen shows more of the
    /// reason before it shows longer titles.
    fn plan(width: u16, name_width: usize, address_width: usize, several_clients: bool) -> Self {
        let plan =
            |stages| Columns::plan_with(stages, width, name_width, address_width, several_clients);
        // Below 100 columns the strip always: titles would squeeze the why to nothing.
        if width >= 100 {
            for stages in [StageColumns::Full, StageColumns::Short] {
                let columns = plan(stages);
                if columns.why >= WHY_WANTED {
                    return columns;
                }
            }
        }
        plan(StageColumns::Strip)
    }

    fn plan_with(
        stages: StageColumns,
        width: u16,
        name_width: usize,
        address_width: usize,
        several_clients: bool,
    ) -> Self {
        let (name_cap, address_cap) = match stages {
            StageColumns::Strip => (14, 21),
            StageColumns::Short => (18, 21),
            StageColumns::Full => (24, 30),
        };
        let mut name = name_width.clamp(6, name_cap);
        let mut address = address_width.clamp(7, address_cap);
        let stage_cols = stages.widths();
        // One client for all goes in the header; a column only when they differ (and not
        // on narrow screens).
        let client = if several_clients && width >= 100 {
            CLIENT_WIDTH
        } else {
            0
        };
        let columns = 2 + usize::from(client > 0) + stage_cols.len() + 2;
        let fixed = HIGHLIGHT.chars().count()
            + client
            + stage_cols.iter().sum::<usize>()
            + TIME_WIDTH
            + (columns - 1);
        let why_for =
            |name: usize, address: usize| (width as usize).saturating_sub(fixed + name + address);
        // The reason matters most: shrink the address, then the name, to keep it readable.
        if why_for(name, address) < 24 {
            address = address.min(15);
        }
        if why_for(name, address) < 24 {
            name = name.min(10);
        }
        let why = why_for(name, address);
        Columns {
            stages,
            name,
            address,
            client,
            why,
        }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let mut list = vec![
            Constraint::Length(self.name as u16),
            Constraint::Length(self.address as u16),
        ];
        if self.client > 0 {
            list.push(Constraint::Length(self.client as u16));
        }
        list.extend(
            self.stages
                .widths()
                .into_iter()
                .map(|w| Constraint::Length(w as u16)),
        );
        list.push(Constraint::Length(self.why as u16));
        list.push(Constraint::Length(TIME_WIDTH as u16));
        list
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) {
    let filtering = filter_input::visible(app.ui.editing_filter, &app.ui.options.filter);
    // A saved run (`sshtriage view`) says which, when and from what on a third line.
    let saved_line = u16::from(app.saved_run().is_some());
    let [header_area, filter_area, middle_area, hint_area] = Layout::vertical([
        Constraint::Length(2 + saved_line),
        Constraint::Length(u16::from(filtering)),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    // The selected device's lines sit right under the rows (one blank line between) when
    // they leave room, else at the bottom; they take what they need while the table keeps
    // `selection_line::TABLE_KEEPS` lines.
    let table_lines = text::cells(app.model().lines.len()).saturating_add(1);
    let detail = match app.ui.selected.and_then(|d| app.rows().get(d)) {
        Some(row) if area.height >= 14 => {
            selection_line::lines(row, middle_area.width as usize, app.watching(), &app.theme)
        }
        _ => Vec::new(),
    };
    let room = middle_area
        .height
        .saturating_sub(table_lines.min(selection_line::TABLE_KEEPS) + 1);
    let selection_height = text::cells(detail.len()).min(room);
    let (table_area, selection_area) =
        if table_lines.saturating_add(1 + selection_height) <= middle_area.height {
            let table = Rect {
                height: table_lines,
                ..middle_area
            };
            let selection = Rect {
                y: table.y + table_lines + 1,
                height: selection_height,
                ..middle_area
            };
            (table, selection)
        } else {
            let [table, selection] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(selection_height)])
                    .areas(middle_area);
            (table, selection)
        };

    let body_rows = table_area.height.saturating_sub(1) as usize;
    let offset = app.scroll_table_to_selection(body_rows);
    let app = &*app;
    let model = app.model_ref();
    // Warnings of the load at start, until a reload says something of its own.
    let loaded = match app.warning_count() {
        0 => None,
        n => Some(Notice::Info(format!(
            "inventory loaded: {n} {}",
            if n == 1 { "warning" } else { "warnings" }
        ))),
    };
    header::render(
        frame,
        header_area,
        model,
        &app.ui.options,
        filtering,
        app.notice().or(loaded.as_ref()),
        &app.theme,
    );
    if let Some(saved) = app.saved_run() {
        let line = Rect {
            y: header_area.y + 2,
            height: saved_line.min(header_area.height.saturating_sub(2)),
            ..header_area
        };
        saved_run::render(frame, line, saved, &app.theme);
    }
    if filtering {
        filter_input::render(
            frame,
            filter_area,
            app.ui.editing_filter,
            &app.ui.options.filter,
            &model.counts,
            &app.theme,
        );
    }
    render_table(frame, table_area, app, offset, body_rows);
    selection_line::render(frame, selection_area, detail);
    hint_bar::render(frame, hint_area, app);
}

fn render_table(frame: &mut Frame, area: Rect, app: &App, offset: usize, body_rows: usize) {
    let model = app.model_ref();
    let theme = &app.theme;
    if model.lines.is_empty() {
        let message = if app.rows().is_empty() {
            "No devices to probe. Give an inventory, --host, or try the demo fleet.".to_string()
        } else if app.ui.options.failing_only && app.ui.options.filter.is_empty() {
            "No device is failing.".to_string()
        } else {
            "No device matches the filter. Esc shows all devices.".to_string()
        };
        let y = area.y + area.height / 3;
        let line = Rect {
            y,
            height: 1.min(area.height),
            ..area
        };
        frame.render_widget(
            Paragraph::new(Line::styled(message, theme.dim)).centered(),
            line,
        );
        return;
    }

    let columns = Columns::plan(
        area.width,
        model.name_width,
        model.address_width,
        model.clients == crate::tui::table_model::Clients::Several,
    );
    let end = (offset + body_rows).min(model.lines.len());
    let window = &model.lines[offset.min(end)..end];
    let now = app.now();
    let tick = app.tick();
    let rows: Vec<Row> = window
        .iter()
        .map(|line| match line {
            TableLine::Device(i) => {
                device_row(&app.rows()[*i], &columns, now, tick, theme, app.watching())
            }
            TableLine::Group { .. } => Row::new(Vec::<Cell>::new()),
        })
        .collect();

    let table = Table::new(rows, columns.constraints())
        .header(title_row(&columns, theme))
        .column_spacing(1)
        .row_highlight_style(theme.selected)
        .highlight_symbol(HIGHLIGHT)
        .highlight_spacing(HighlightSpacing::Always);
    let selected = model
        .line_of_device
        .get(app.ui.selected.unwrap_or(usize::MAX))
        .copied()
        .flatten()
        .filter(|line| (offset..end).contains(line))
        .map(|line| line - offset);
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);

    // Group headers span the whole width, so they are drawn over their (empty) rows.
    for (n, line) in window.iter().enumerate() {
        if let TableLine::Group { outcome, count } = line {
            let row_area = Rect {
                y: area.y + 1 + n as u16,
                height: 1,
                ..area
            };
            let label = format!(
                " {} {} ",
                glyphs::outcome_glyph(*outcome, tick),
                glyphs::outcome_label(*outcome, *count),
            );
            let rule_len = (area.width as usize).saturating_sub(text::width(&label) + 2);
            let line = Line::from(vec![
                Span::styled("──", theme.border),
                Span::styled(label, glyphs::outcome_style(*outcome, theme)),
                Span::styled("─".repeat(rule_len), theme.border),
            ]);
            frame.render_widget(Paragraph::new(line), row_area);
        }
    }
}

fn title_row(columns: &Columns, theme: &Theme) -> Row<'static> {
    let mut cells = vec![Cell::from("device"), Cell::from("address")];
    if columns.client > 0 {
        cells.push(Cell::from("client"));
    }
    match columns.stages {
        StageColumns::Strip => {
            cells.push(Cell::from(
                Stage::ALL
                    .iter()
                    .map(|s| s.facts().letter)
                    .collect::<String>(),
            ));
        }
        StageColumns::Short => {
            cells.extend(Stage::ALL.iter().map(|s| Cell::from(s.facts().column)));
        }
        StageColumns::Full => cells.extend(Stage::ALL.iter().map(|s| Cell::from(s.name()))),
    }
    cells.push(Cell::from("why"));
    cells.push(Cell::from(format!("{:>TIME_WIDTH$}", "time")));
    Row::new(cells).style(theme.heading)
}

fn device_row<'a>(
    row: &DeviceRow,
    columns: &Columns,
    now: std::time::Duration,
    tick: u64,
    theme: &Theme,
    watching: bool,
) -> Row<'a> {
    let name = text::fit(&text::clean(&row.report.name), columns.name);
    let address = text::fit(&text::clean(&row.address()), columns.address);
    let mut cells = vec![
        Cell::from(name),
        Cell::from(Span::styled(address, theme.dim)),
    ];
    if columns.client > 0 {
        let client = row.report.client.as_ref().map_or("", |c| c.id.as_str());
        cells.push(Cell::from(Span::styled(
            text::fit(&text::clean(client), columns.client),
            theme.dim,
        )));
    }

    let marks = Stage::ALL.map(|stage| row.mark(stage));
    match columns.stages {
        StageColumns::Strip => {
            let spans: Vec<Span> = marks
                .iter()
                .map(|m| Span::styled(glyphs::mark_glyph(*m, tick), glyphs::mark_style(*m, theme)))
                .collect();
            cells.push(Cell::from(Line::from(spans)));
        }
        StageColumns::Short | StageColumns::Full => {
            for (mark, width) in marks.iter().zip(columns.stages.widths()) {
                let glyph = glyphs::mark_glyph(*mark, tick);
                let centred = format!("{:^width$}", glyph);
                cells.push(Cell::from(Span::styled(
                    centred,
                    glyphs::mark_style(*mark, theme),
                )));
            }
        }
    }

    // The attempt strip belongs to watch mode; otherwise the row says why, as always.
    let (kind, why) = row.shown_why(watching);
    cells.push(Cell::from(Span::styled(
        text::fit(&why, columns.why),
        glyphs::why_style(kind, theme),
    )));
    let time = row
        .elapsed_ms(now)
        .map(text::duration_ms)
        .unwrap_or_default();
    let time_style = if row.is_running() {
        theme.running
    } else {
        theme.dim
    };
    cells.push(Cell::from(Span::styled(
        format!("{time:>TIME_WIDTH$}"),
        time_style,
    )));
    Row::new(cells)
}
