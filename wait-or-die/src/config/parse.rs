//! Reads a configuration file's text into overrides, with every problem at its line and key.
//!
//! The document is parsed with its spans (`toml`'s `DeTable`) and walked by hand against the
//! key table, rather than through serde: so that every problem, not only the first, names its
//! exact line and its full key.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::config::duration::{self, DURATION_FORMS};
use crate::config::error::Problem;
use crate::config::keys::{self, Form, Value, NONE, SITE_KEYS, SWITCH, TOP_KEYS};
use crate::control::{intern_name, BreakerChoice, BudgetChoice, Override};
use crate::jitter::Jitter;
use crate::policy::HedgeAfter;
use crate::suggest::did_you_mean;

/// A file's contents, read and checked on their own (not yet against the sites).
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// The kill switch for all sites (`retries = "off"` at the top).
    pub(crate) all_off: bool,
    pub(crate) sites: Vec<SiteEntry>,
}

/// One `[sites."name"]` table.
#[derive(Debug)]
pub(crate) struct SiteEntry {
    pub(crate) name: String,
    /// The line of the site's table.
    pub(crate) line: usize,
    pub(crate) settings: Override,
    /// The line of each key given.
    pub(crate) keys: Vec<(&'static str, usize)>,
}

impl SiteEntry {
    /// `sites."name"`, or `sites."name".key`.
    pub(crate) fn path(&self, key: Option<&str>) -> String {
        site_path(&self.name, key)
    }
}

fn site_path(site: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("sites.\"{site}\".{key}"),
        None => format!("sites.\"{site}\""),
    }
}

/// Byte offsets to line numbers (from 1).
pub(crate) struct Lines<'a>(&'a str);

impl Lines<'_> {
    pub(crate) fn of(&self, offset: usize) -> usize {
        let end = offset.min(self.0.len());
        1 + self.0.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }
}

/// Reads `text`; every problem found, in the order of the lines, when there is any.
pub(crate) fn parse(text: &str) -> Result<Parsed, Vec<Problem>> {
    let lines = Lines(text);
    let doc = DeTable::parse(text).map_err(|e| vec![syntax(text, &lines, &e)])?;
    let mut reader = Reader {
        lines,
        problems: Vec::new(),
        parsed: Parsed::default(),
    };
    for (key, value) in doc.get_ref() {
        reader.top(key, value);
    }
    let Reader {
        mut problems,
        parsed,
        ..
    } = reader;
    if problems.is_empty() {
        return Ok(parsed);
    }
    problems.sort_by_key(|p| p.line);
    Err(problems)
}

struct Reader<'t> {
    lines: Lines<'t>,
    problems: Vec<Problem>,
    parsed: Parsed,
}

impl Reader<'_> {
    fn problem(&mut self, at: usize, key: String, message: String) {
        self.problems
            .push(Problem::new(self.lines.of(at), Some(key), message));
    }

    fn top(&mut self, key: &Spanned<toml::de::DeString<'_>>, value: &Spanned<DeValue<'_>>) {
        let name = key.get_ref().as_ref();
        match name {
            "retries" => match read(Form::Switch, "retries", value.get_ref()) {
                Ok(Value::Off(off)) => self.parsed.all_off = off,
                Ok(_) => {}
                Err(message) => self.problem(value.span().start, name.into(), message),
            },
            "sites" => match value.get_ref() {
                DeValue::Table(sites) => {
                    for (site, table) in sites {
                        self.site(site, table);
                    }
                }
                _ => self.problem(
                    value.span().start,
                    name.into(),
                    "`sites` holds one table per site: write `[sites.\"name\"]`".into(),
                ),
            },
            _ => self.problem(key.span().start, name.into(), unknown_key(name, TOP_KEYS)),
        }
    }

    fn site(&mut self, name: &Spanned<toml::de::DeString<'_>>, table: &Spanned<DeValue<'_>>) {
        let site = name.get_ref().as_ref();
        let line = self.lines.of(name.span().start);
        let DeValue::Table(entries) = table.get_ref() else {
            let message = format!(
                "a site's settings are a table: write `[sites.\"{site}\"]` and its keys below it"
            );
            return self.problem(table.span().start, site_path(site, None), message);
        };
        let mut entry = SiteEntry {
            name: site.to_owned(),
            line,
            settings: Override::new(),
            keys: Vec::new(),
        };
        for (key, value) in entries {
            let given = key.get_ref().as_ref();
            let path = site_path(site, Some(given));
            let Some(spec) = keys::site_key(given) else {
                let names: Vec<&str> = SITE_KEYS.iter().map(|k| k.name).collect();
                self.problem(key.span().start, path, unknown_key(given, &names));
                continue;
            };
            #[cfg(feature = "chaos")]
            if spec.form == Form::Chaos {
                if let Some(chaos) = self.chaos(site, value) {
                    (spec.set)(&mut entry.settings, Value::Chaos(chaos));
                    entry
                        .keys
                        .push((spec.name, self.lines.of(key.span().start)));
                }
                continue;
            }
            match read(spec.form, spec.name, value.get_ref()) {
                Ok(read) => {
                    (spec.set)(&mut entry.settings, read);
                    entry
                        .keys
                        .push((spec.name, self.lines.of(key.span().start)));
                }
                Err(message) => self.problem(value.span().start, path, message),
            }
        }
        self.parsed.sites.push(entry);
    }

    /// Reads `[sites."site".chaos]`, each problem at its own key.
    #[cfg(feature = "chaos")]
    fn chaos(
        &mut self,
        site: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<crate::strategy::chaos::Chaos> {
        use crate::config::chaos::CHAOS_KEYS;
        let path = |key: &str| site_path(site, Some(&format!("chaos.{key}")));
        let DeValue::Table(entries) = value.get_ref() else {
            let message = format!(
                "`chaos` expects {}, found {}",
                expected(Form::Chaos),
                kind(value.get_ref())
            );
            self.problem(value.span().start, site_path(site, Some("chaos")), message);
            return None;
        };
        let mut chaos = crate::strategy::chaos::Chaos::new();
        let before = self.problems.len();
        for (key, value) in entries {
            let given = key.get_ref().as_ref();
            let Some(spec) = CHAOS_KEYS.iter().find(|k| k.name == given) else {
                let names: Vec<&str> = CHAOS_KEYS.iter().map(|k| k.name).collect();
                self.problem(key.span().start, path(given), unknown_key(given, &names));
                continue;
            };
            match read(spec.form, spec.name, value.get_ref()) {
                Ok(read) => (spec.set)(&mut chaos, read),
                Err(message) => self.problem(value.span().start, path(given), message),
            }
        }
        (self.problems.len() == before).then_some(chaos)
    }
}

/// Reads a value of `form` for the key `name`.
pub(crate) fn read(form: Form, name: &str, value: &DeValue<'_>) -> Result<Value, String> {
    let wrong = || format!("`{name}` expects {}, found {}", expected(form), kind(value));
    match (form, value) {
        (Form::Count, DeValue::Integer(i)) => u64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .map(Value::Count)
            .ok_or_else(wrong),
        (Form::Duration | Form::DurationOrNone, DeValue::Integer(i)) => {
            u64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|secs| Value::Duration(Some(core::time::Duration::from_secs(secs))))
                .ok_or_else(wrong)
        }
        (Form::Duration | Form::DurationOrNone, DeValue::Float(f)) => f
            .as_str()
            .parse()
            .ok()
            .and_then(duration::from_secs)
            .map(|d| Value::Duration(Some(d)))
            .ok_or_else(wrong),
        (Form::DurationOrNone, DeValue::String(s)) if s == NONE => Ok(Value::Duration(None)),
        (Form::Duration | Form::DurationOrNone, DeValue::String(s)) => duration::parse(s)
            .map(|d| Value::Duration(Some(d)))
            .ok_or_else(|| {
                format!(
                    "`{name}` = {s:?} is not a duration: expected {}",
                    expected(form)
                )
            }),
        (Form::Share, DeValue::Integer(_) | DeValue::Float(_)) => share(value).ok_or_else(wrong),
        (Form::Jitter, DeValue::String(s)) => {
            Jitter::from_name(s).map(Value::Jitter).ok_or_else(|| {
                let names = Jitter::NAMES.map(|(n, _)| n);
                format!(
                    "`{name}` = {s:?} is not a jitter: {}",
                    one_of_with_hint(s, &names)
                )
            })
        }
        (Form::Switch, DeValue::String(s)) => SWITCH
            .iter()
            .find(|(word, _)| *word == s.as_ref())
            .map(|&(_, off)| Value::Off(off))
            .ok_or_else(wrong),
        (Form::HedgeAfter, DeValue::String(s)) if s == NONE => Ok(Value::Hedge(None)),
        (Form::HedgeAfter, DeValue::String(s)) if s.starts_with('p') => s[1..]
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite())
            .map(|p| Value::Hedge(Some(HedgeAfter::Percentile(p))))
            .ok_or_else(|| {
                format!(
                    "`{name}` = {s:?} is not a percentile: expected {}",
                    expected(form)
                )
            }),
        (Form::HedgeAfter, _) => match read(Form::Duration, name, value) {
            Ok(Value::Duration(Some(d))) => Ok(Value::Hedge(Some(HedgeAfter::Delay(d)))),
            _ => Err(wrong()),
        },
        (Form::Budget, DeValue::String(s)) if s == NONE => Ok(Value::Budget(BudgetChoice::Off)),
        (Form::Budget, DeValue::String(s)) => {
            Ok(Value::Budget(BudgetChoice::Shared(intern_name(s))))
        }
        (Form::Breaker, DeValue::Boolean(true)) => Ok(Value::Breaker(BreakerChoice::Own)),
        (Form::Breaker, DeValue::Boolean(false)) => Ok(Value::Breaker(BreakerChoice::Off)),
        (Form::Breaker, DeValue::String(s)) if s.trim() == NONE => Err(format!(
            "`{name}` = \"{NONE}\" would name a shared breaker \"{NONE}\": write `{name} = false` for none"
        )),
        (Form::Breaker, DeValue::String(s)) => {
            Ok(Value::Breaker(BreakerChoice::Shared(intern_name(s))))
        }
        _ => Err(wrong()),
    }
}

/// A number from 0 to 1, as a share.
fn share(value: &DeValue<'_>) -> Option<Value> {
    let x: f64 = match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok()? as f64,
        DeValue::Float(f) => f.as_str().parse().ok()?,
        _ => return None,
    };
    (0.0..=1.0).contains(&x).then_some(Value::Number(x))
}

/// What a value of `form` may be, for messages.
pub(crate) fn expected(form: Form) -> String {
    match form {
        Form::Count => "a whole number from 0 to 4294967295".into(),
        Form::Duration => DURATION_FORMS.into(),
        Form::DurationOrNone => format!("{DURATION_FORMS}, or \"{NONE}\""),
        Form::Share => "a number from 0 to 1".into(),
        Form::Jitter => format!(
            "one of {}",
            keys::one_of(Jitter::NAMES.iter().map(|(n, _)| *n))
        ),
        Form::Switch => format!("one of {}", keys::one_of(SWITCH.iter().map(|(w, _)| *w))),
        Form::Budget => format!("\"{NONE}\" or the name of a budget to share"),
        Form::Breaker => {
            "`true` (a breaker of the site's own), `false` (none) or the name of a breaker to share"
                .into()
        }
        Form::HedgeAfter => {
            format!("{DURATION_FORMS}, \"p\" and a percentile (\"p95\"), or \"{NONE}\"")
        }
        #[cfg(feature = "chaos")]
        Form::Chaos => "a table of fault injection settings".into(),
    }
}

/// What a value is, for "found ..." in messages.
fn kind(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("the string {s:?}"),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("`{b}`"),
        DeValue::Datetime(_) => "a date".into(),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

pub(crate) fn unknown_key(given: &str, allowed: &[&str]) -> String {
    format!(
        "unknown key `{given}`: {}",
        one_of_with_hint(given, allowed)
    )
}

fn one_of_with_hint(given: &str, allowed: &[&str]) -> String {
    let hint = did_you_mean(given, allowed.iter().copied())
        .map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
    format!(
        "expected one of {}{hint}",
        keys::one_of(allowed.iter().copied())
    )
}

/// A TOML syntax error at its line; the key is the one written on that line, under the
/// nearest table header above it, when the line has one.
fn syntax(text: &str, lines: &Lines<'_>, error: &toml::de::Error) -> Problem {
    let line = error.span().map_or(1, |span| lines.of(span.start));
    let written: Vec<&str> = text.lines().take(line).collect();
    let key = written
        .last()
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim());
    let header = written
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim());
    let key = match (header, key) {
        (_, None) => None,
        (Some(h), Some(k)) => Some(format!("{h}.{k}")),
        (None, Some(k)) => Some(k.to_owned()),
    };
    Problem::new(line, key, format!("not valid TOML: {}", error.message()))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
