//! Closes: for each position, the closing deals the trade server made for a program
//! (`DEAL_REASON_EXPERT`) match the acknowledged `POSITION_CLOSE`s one to one, by volume and
//! count: no close lost, none applied twice, no position closed by more than it was opened.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use super::{count_done, count_failure, lots, Answered, Audit};
use crate::demo::IntentKind;
use crate::protocol::Action;
use crate::remote::AuditView;
use crate::terminal::{Deal, DealEntry, DealReason};

/// Checks every answered close against the closing deals of its position.
pub(super) fn check(audit: &mut Audit, answered: &[Answered<'_>], books: &AuditView) {
    let mut by_expert: BTreeMap<u64, Vec<&Deal>> = BTreeMap::new();
    let mut closed: HashMap<u64, i64> = HashMap::new();
    let mut opened: HashMap<u64, i64> = HashMap::new();
    let mut stopped: HashSet<u64> = HashSet::new();
    for deal in &books.deals {
        let position = deal.position_id;
        match (deal.entry, deal.reason) {
            (DealEntry::In, _) => *opened.entry(position).or_default() += lots(deal.volume),
            (DealEntry::Out, reason) => {
                *closed.entry(position).or_default() += lots(deal.volume);
                if reason == DealReason::Expert {
                    by_expert.entry(position).or_default().push(deal);
                } else {
                    stopped.insert(position);
                }
            }
        }
    }
    let open_now: HashSet<u64> = books.positions.iter().map(|p| p.ticket).collect();
    let mut acknowledged: BTreeMap<u64, Vec<(Uuid, i64)>> = BTreeMap::new();
    for answer in answered {
        let Action::PositionClose(close) = answer.action else {
            continue;
        };
        let position = close.position;
        let Some(result) = answer.result() else {
            let closed_otherwise = answer.reply.error_code() == Some("position_closed");
            if closed_otherwise && !stopped.contains(&position) {
                let why = format!("told position {position} closed otherwise, no SL/TP/SO deal");
                audit.lose(answer.req_id, why);
            } else {
                count_failure(audit, IntentKind::Close, answer.reply);
            }
            continue;
        };
        let volume = lots(result["volume"].as_f64().unwrap_or_default());
        let deal = result["deal"].as_u64().unwrap_or_default();
        let named = by_expert.get(&position).into_iter().flatten();
        if deal != 0
            && !named
                .clone()
                .any(|d| d.ticket == deal && lots(d.volume) == volume)
        {
            let why = format!("told deal {deal} closed {volume} on {position}: not on the books");
            audit.lose(answer.req_id, why);
            continue;
        }
        if result["status"] == "closed" && open_now.contains(&position) {
            let why = format!("told position {position} closed, it is still open");
            audit.lose(answer.req_id, why);
            continue;
        }
        acknowledged
            .entry(position)
            .or_default()
            .push((answer.req_id, volume));
    }
    match_one_to_one(audit, &by_expert, acknowledged);
    for (position, closed) in closed {
        let opened = opened.get(&position).copied().unwrap_or(0);
        if closed > opened {
            let why = format!("position {position} closed {closed} of {opened} (1e-8 lots)");
            audit.duplicated.push(why);
        }
    }
}

/// Pairs each position's acknowledged closes with its closing deals by volume: an acknowledged
/// close without a deal is lost, a deal without an acknowledged close is a close applied twice
/// (or one answered "not executed" that did execute).
fn match_one_to_one(
    audit: &mut Audit,
    by_expert: &BTreeMap<u64, Vec<&Deal>>,
    mut acknowledged: BTreeMap<u64, Vec<(Uuid, i64)>>,
) {
    let positions: HashSet<u64> = by_expert
        .keys()
        .chain(acknowledged.keys())
        .copied()
        .collect();
    for position in positions {
        let mut deals: Vec<i64> = by_expert
            .get(&position)
            .into_iter()
            .flatten()
            .map(|d| lots(d.volume))
            .collect();
        for (req_id, volume) in acknowledged.remove(&position).unwrap_or_default() {
            match deals.iter().position(|v| *v == volume) {
                Some(at) => {
                    deals.swap_remove(at);
                    count_done(audit, IntentKind::Close);
                }
                None => {
                    let why = format!("close of {volume} on {position} acknowledged, no deal");
                    audit.lose(req_id, why);
                }
            }
        }
        for volume in deals {
            let why = format!("position {position} has a close of {volume} nobody was told of");
            audit.duplicated.push(why);
        }
    }
}
