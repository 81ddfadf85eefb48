//! A few line charts in one SVG document, written by hand: axes, ticks, a shaded span, a legend.

use std::fmt::Write;
use std::ops::Range;

const PANEL_WIDTH: f64 = 470.0;
const PANEL_HEIGHT: f64 = 300.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 44.0;
const LEGEND_ROW: f64 = 22.0;
const FONT: &str = r#"font-family="sans-serif" font-size="12""#;

/// One line of a chart.
pub struct Series {
    pub name: &'static str,
    pub color: &'static str,
    /// An SVG `stroke-dasharray`, empty for a solid line.
    pub dash: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// One chart.
pub struct Panel {
    pub title: String,
    pub x_label: &'static str,
    pub y_label: &'static str,
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_ticks: Vec<f64>,
    pub y_ticks: Vec<f64>,
    /// An x span to shade, such as an outage.
    pub shade: Option<Range<f64>>,
    pub series: Vec<Series>,
}

/// `panels` in rows of `columns`, with one legend (from the first panel's series) below.
pub fn document(panels: &[Panel], columns: usize) -> String {
    let rows = panels.len().div_ceil(columns);
    let width = PANEL_WIDTH * columns as f64;
    let legend = panels.first().map_or(&[][..], |p| &p.series[..]);
    let height = PANEL_HEIGHT * rows as f64 + LEGEND_ROW * legend.len() as f64 + 10.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for (i, panel) in panels.iter().enumerate() {
        let x0 = PANEL_WIDTH * (i % columns) as f64;
        let y0 = PANEL_HEIGHT * (i / columns) as f64;
        draw_panel(&mut svg, panel, x0, y0);
    }
    let top = PANEL_HEIGHT * rows as f64;
    for (i, s) in legend.iter().enumerate() {
        let y = top + LEGEND_ROW * (i as f64 + 0.5);
        let _ = writeln!(
            svg,
            r#"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/><text x="{}" y="{}" {FONT}>{}</text>"#,
            LEFT + 40.0,
            s.color,
            s.dash,
            LEFT + 48.0,
            y + 4.0,
            s.name
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn draw_panel(svg: &mut String, p: &Panel, x0: f64, y0: f64) {
    let (left, right) = (x0 + LEFT, x0 + PANEL_WIDTH - RIGHT);
    let (top, bottom) = (y0 + TOP, y0 + PANEL_HEIGHT - BOTTOM);
    let sx = |x: f64| left + (x - p.x.start) / (p.x.end - p.x.start) * (right - left);
    let sy = |y: f64| bottom - (y - p.y.start) / (p.y.end - p.y.start) * (bottom - top);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" {FONT} font-weight="bold">{}</text>"#,
        (left + right) / 2.0,
        y0 + 18.0,
        p.title
    );
    if let Some(shade) = &p.shade {
        let _ = writeln!(
            svg,
            r##"<rect x="{}" y="{top}" width="{}" height="{}" fill="#f2d0d0"/>"##,
            sx(shade.start),
            sx(shade.end) - sx(shade.start),
            bottom - top
        );
    }
    for &t in &p.x_ticks {
        let x = sx(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="#e4e4e4"/><text x="{x}" y="{}" text-anchor="middle" {FONT}>{}</text>"##,
            bottom + 16.0,
            number(t)
        );
    }
    for &t in &p.y_ticks {
        let y = sy(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#e4e4e4"/><text x="{}" y="{}" text-anchor="end" {FONT}>{}</text>"##,
            left - 6.0,
            y + 4.0,
            number(t)
        );
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        right - left,
        bottom - top
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" {FONT}>{}</text>"#,
        (left + right) / 2.0,
        bottom + 34.0,
        p.x_label
    );
    let (ly, lx) = ((top + bottom) / 2.0, x0 + 16.0);
    let _ = writeln!(
        svg,
        r#"<text x="{lx}" y="{ly}" text-anchor="middle" transform="rotate(-90 {lx} {ly})" {FONT}>{}</text>"#,
        p.y_label
    );
    for s in &p.series {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y.clamp(p.y.start, p.y.end))))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/>"#,
            s.color,
            s.dash,
            points.join(" ")
        );
    }
}

/// A tick label: no trailing zeros.
fn number(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_series_and_legend_entry() {
        let panel = Panel {
            title: "t".into(),
            x_label: "x",
            y_label: "y",
            x: 0.0..10.0,
            y: 0.0..1.0,
            x_ticks: vec![0.0, 5.0, 10.0],
            y_ticks: vec![0.0, 0.5],
            shade: Some(2.0..3.0),
            series: vec![Series {
                name: "one",
                color: "red",
                dash: "",
                points: vec![(0.0, 0.0), (10.0, 2.0)],
            }],
        };
        let svg = document(&[panel], 1);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains(">one</text>"));
        // Points outside the y range are drawn on its edge: (10, 2) lands on the top border.
        assert!(svg.contains(&format!("{:.1},{:.1}", PANEL_WIDTH - RIGHT, TOP)));
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(10.0), "10");
    }
}
