//! Label values escaped for the text exposition, since `prometheus-client` (0.24) writes them
//! as they are: one site or budget name with a quote, a backslash or a newline would make the
//! whole scrape invalid, and Prometheus would drop every series of the process.
//!
//! Both text formats, the classic one (0.0.4) and OpenMetrics, escape the same three characters
//! in a label value: `\` as `\\`, `"` as `\"` and a line feed as `\n`; every other character is
//! written as it is. (`prometheus-client`'s protobuf encoding, which this crate does not enable,
//! needs no escaping and would show the backslashes.)

use std::fmt::Write;

use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};

/// A label value written escaped; costs no allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl EncodeLabelValue for Escaped<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        write_escaped(encoder, self.0)
    }
}

/// Writes `value` to `out` with `\`, `"` and line feeds escaped.
fn write_escaped(out: &mut impl Write, value: &str) -> std::fmt::Result {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '"', '\n']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str) -> String {
        let mut out = String::new();
        write_escaped(&mut out, value).unwrap();
        out
    }

    #[test]
    fn escapes_the_three_characters_the_formats_name_and_nothing_else() {
        assert_eq!(escaped("orders.place"), "orders.place");
        assert_eq!(escaped(""), "");
        assert_eq!(escaped(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escaped("line\nbreak\n"), "line\\nbreak\\n");
        assert_eq!(escaped("\\\"\n"), "\\\\\\\"\\n");
        assert_eq!(escaped("tab\tcr\r é {x=1,y}"), "tab\tcr\r é {x=1,y}");
    }
}
