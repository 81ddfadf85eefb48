//! Writing one metric family: its descriptor, then one series per label set.

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::TypedMetric;

use super::label::Escaped;

/// Encodes one metric family: its descriptor, then one series per label set.
pub(super) fn family<'a, V, M: EncodeMetric + TypedMetric>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric: fn(V) -> M,
    series: impl Iterator<Item = (Vec<(&'a str, Escaped<'a>)>, V)>,
) -> Result<(), std::fmt::Error> {
    let mut descriptor = encoder.encode_descriptor(name, help, None, M::TYPE)?;
    for (labels, value) in series {
        metric(value).encode(descriptor.encode_family(&labels)?)?;
    }
    Ok(())
}
