//! `conversations` and `diagnose` over a stream of records in time order, in memory that follows the traffic of a
//! few aggregation intervals rather than the input.
//!
//! Records go through [`Pairing`] (connections decided as their legs close) and into the interfaces'
//! [`Timeline`]. A decided connection that needs a diagnosis waits until the records of its context have all
//! arrived (a quiet interval after its end, and the connections overlapping it decided), then is diagnosed. Decided
//! connections come out in the order of their start, numbered as they come out, so that a small input reads exactly
//! as [`Conversations::build`](crate::Conversations::build) and [`diagnose`](crate::diagnose) give it; a
//! connection open for hours would hold everything after it, so at most [`Options::hold`] of them wait for order
//! and the rest come out as they are decided.

use crate::connections::{Connection, Counts, Flow, GAP};
use crate::diagnose::{Diagnosis, Evaluations, QUIET, diagnose_connection, needs_diagnosis};
use crate::pairing::{Learned, Paired, Pairing, count};
use crate::timeline::Timeline;
use std::collections::{BTreeMap, HashMap, VecDeque};
use vpcflow_netmodel::VpcModel;

/// How an analysis runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Diagnose the connections that need it.
    pub diagnose: bool,
    /// The most decided connections held back so that the output is in start order.
    pub hold: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            diagnose: false,
            hold: 200_000,
        }
    }
}

/// One decided connection, with its records, its number in the output and, when asked for and needed, its
/// diagnosis.
#[derive(Clone, Debug)]
pub struct Item {
    /// `#1`, `#2`, …: the order of output.
    pub number: usize,
    /// The connection; its legs point into `flows`.
    pub connection: Connection,
    /// Its records.
    pub flows: Vec<Flow>,
    /// Why something was rejected (diagnosing runs only).
    pub diagnosis: Option<Diagnosis>,
}

struct Done {
    paired: Paired,
    diagnosis: Option<Diagnosis>,
}

/// The analysis of a stream of records.
pub struct Analysis<'m> {
    options: Options,
    model: Option<Evaluations<'m>>,
    pairing: Pairing,
    timeline: Timeline,
    /// Decided connections waiting for their context to be complete: (time they are ready, id).
    waiting: BTreeMap<(i64, u64), Paired>,
    waiting_starts: BTreeMap<i64, usize>,
    /// Decided (and diagnosed) connections waiting for their turn: (start, id).
    done: BTreeMap<(i64, u64), Done>,
    /// Numbered connections waiting for the numbers of connections their diagnoses point to.
    numbered: VecDeque<(usize, Done)>,
    /// Numbers given out, by id, while a finding may still refer to them: (number, end).
    numbers: HashMap<usize, (usize, i64)>,
    next_number: usize,
    counts: Counts,
    last_prune: i64,
}

impl<'m> Analysis<'m> {
    /// An analysis of records whose interfaces are as `learned` says, against `model` when given.
    pub fn new(learned: Learned, model: Option<&'m VpcModel>, options: Options) -> Analysis<'m> {
        Analysis {
            options,
            model: model.map(Evaluations::new),
            pairing: Pairing::new(learned),
            timeline: Timeline::new(),
            waiting: BTreeMap::new(),
            waiting_starts: BTreeMap::new(),
            done: BTreeMap::new(),
            numbered: VecDeque::new(),
            numbers: HashMap::new(),
            next_number: 1,
            counts: Counts::default(),
            last_prune: i64::MIN,
        }
    }

    /// The counts so far (of connections decided).
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// How many connections are open, waiting for a diagnosis or waiting for their turn.
    pub fn pending(&self) -> usize {
        self.pairing.pending() + self.waiting.len() + self.done.len() + self.numbered.len()
    }

    /// Adds one record; records come in order of their start (see [`Pairing::push`]).
    pub fn push(&mut self, flow: Flow, out: &mut impl FnMut(Item)) {
        let own = self.pairing.learned().own.get(&flow.interface);
        self.timeline.record(&flow, own.map(String::as_str));
        let mut decided = Vec::new();
        self.pairing.push(flow, &mut |p| decided.push(p));
        for p in decided {
            self.decided(p);
        }
        let now = self.pairing.now();
        self.diagnose_ready(now);
        self.release(now, out);
        if now >= self.last_prune.saturating_add(60) {
            self.prune(now);
            self.last_prune = now;
        }
    }

    /// Decides and hands out everything left.
    pub fn finish(mut self, out: &mut impl FnMut(Item)) -> Counts {
        let mut decided = Vec::new();
        let pairing = std::mem::replace(&mut self.pairing, Pairing::new(Learned::default()));
        pairing.finish(&mut |p| decided.push(p));
        for p in decided {
            self.decided(p);
        }
        self.diagnose_ready(i64::MAX);
        self.release(i64::MAX, out);
        self.counts
    }

    fn decided(&mut self, p: Paired) {
        self.counts.add(&p.connection, p.flows.len());
        self.timeline
            .connection(p.id as usize, &p.connection, &p.flows);
        let c = &p.connection;
        if self.options.diagnose && needs_diagnosis(c) {
            // Its context: the interface's traffic until a quiet interval after it.
            let ready = c.end.saturating_add(QUIET + 60);
            count(&mut self.waiting_starts, c.start, 1);
            self.waiting.insert((ready, p.id), p);
        } else {
            self.done.insert(
                (p.connection.start, p.id),
                Done {
                    paired: p,
                    diagnosis: None,
                },
            );
        }
    }

    /// Diagnoses the waiting connections whose context is complete: the records a quiet interval after them
    /// have come, and no connection that could overlap them on their interfaces is still open (for at most an
    /// hour: a connection open for longer is left out of the context rather than holding everything).
    fn diagnose_ready(&mut self, now: i64) {
        let mut later = Vec::new();
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 >= now {
                break;
            }
            let p = entry.remove();
            let c = &p.connection;
            let overlap_open = c.legs.iter().any(|l| {
                self.pairing
                    .pending_start_on(&l.interface)
                    .is_some_and(|s| s <= c.end.saturating_add(60))
            });
            if overlap_open && now <= c.end.saturating_add(6 * GAP) {
                later.push((now.saturating_add(60), p));
                continue;
            }
            count(&mut self.waiting_starts, c.start, -1);
            let diagnosis = diagnose_connection(
                p.id as usize,
                c,
                &p.flows,
                &self.timeline,
                self.model.as_ref(),
            );
            self.done.insert(
                (p.connection.start, p.id),
                Done {
                    paired: p,
                    diagnosis,
                },
            );
        }
        for (ready, p) in later {
            self.waiting.insert((ready, p.id), p);
        }
    }

    /// The earliest start of a connection not yet decided and diagnosed, whichever comes next: nothing that
    /// starts later can come out before it.
    fn frontier(&self, now: i64) -> i64 {
        let waiting = self.waiting_starts.first_key_value().map(|(s, _)| *s);
        self.pairing
            .pending_start()
            .into_iter()
            .chain(waiting)
            .fold(now, i64::min)
    }

    /// Hands out, in start order, the connections nothing can come before any more (and the earliest ones
    /// beyond the hold).
    fn release(&mut self, now: i64, out: &mut impl FnMut(Item)) {
        let frontier = self.frontier(now);
        let mut batch: Vec<Done> = Vec::new();
        while let Some((&(start, _), _)) = self.done.first_key_value() {
            if start >= frontier && self.done.len() + self.numbered.len() <= self.options.hold {
                break;
            }
            // Every connection of this start second comes out together, ordered as the batch pairing orders
            // them.
            let mut group = Vec::new();
            while let Some(entry) = self.done.first_entry() {
                if entry.key().0 != start {
                    break;
                }
                group.push(entry.remove());
            }
            group.sort_by(|a, b| {
                let key = |d: &Done| {
                    let c = &d.paired.connection;
                    (
                        c.legs.first().map(|l| l.interface.clone()),
                        c.client.clone(),
                        c.server.clone(),
                    )
                };
                key(a).cmp(&key(b))
            });
            batch.extend(group);
        }
        for d in batch {
            self.numbers.insert(
                d.paired.id as usize,
                (self.next_number, d.paired.connection.end),
            );
            self.numbered.push_back((self.next_number, d));
            self.next_number += 1;
        }
        // A diagnosis that points to a connection not numbered yet (one that starts later) waits for its number,
        // and so does everything after it.
        let finishing = now == i64::MAX;
        while let Some((_, d)) = self.numbered.front() {
            let waits = d.diagnosis.as_ref().is_some_and(|diagnosis| {
                diagnosis
                    .findings
                    .iter()
                    .flat_map(|f| &f.reasons)
                    .any(|r| r.other().is_some_and(|o| !self.numbers.contains_key(&o.id)))
            });
            if waits && !finishing && self.numbered.len() + self.done.len() <= self.options.hold {
                break;
            }
            let (number, d) = self.numbered.pop_front().expect("looked at");
            let mut diagnosis = d.diagnosis;
            if let Some(diagnosis) = &mut diagnosis {
                diagnosis.connection = number - 1;
                diagnosis.number_others(|id| self.numbers.get(&id).map(|(n, _)| *n));
            }
            out(Item {
                number,
                connection: d.paired.connection,
                flows: d.paired.flows,
                diagnosis,
            });
        }
    }

    /// Forgets what no pending question can reach.
    fn prune(&mut self, now: i64) {
        let horizon = self.frontier(now);
        self.timeline.prune(horizon);
        let cut = horizon.saturating_sub(QUIET + 60 + GAP);
        let kept: std::collections::HashSet<usize> = self.timeline.summarized().collect();
        self.numbers
            .retain(|id, (_, end)| *end >= cut || kept.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::reference::flow_strategy;
    use crate::connections::{Conversations, learn};
    use proptest::prelude::*;

    /// A connection and its diagnosis with record indices replaced by the records' locations, so that a stream's
    /// items (records of their own) and the batch (records of the whole input) compare.
    fn located(c: &Connection, flows: &[Flow], d: Option<&Diagnosis>) -> String {
        let at = |i: &usize| flows[*i].location.clone();
        let mut c = c.clone();
        let legs: Vec<(Vec<String>, Vec<String>)> = c
            .legs
            .iter()
            .map(|l| {
                (
                    l.request.iter().map(at).collect(),
                    l.reply.iter().map(at).collect(),
                )
            })
            .collect();
        for l in &mut c.legs {
            l.request.clear();
            l.reply.clear();
        }
        let d = d.map(|d| {
            let mut d = d.clone();
            let evidence: Vec<Vec<String>> = d
                .findings
                .iter()
                .map(|f| f.evidence.iter().map(at).collect())
                .collect();
            for f in &mut d.findings {
                f.evidence.clear();
                for r in &mut f.reasons {
                    if let Some(o) = r.other_mut() {
                        o.id = 0;
                    }
                }
            }
            format!("{d:?} {evidence:?}")
        });
        format!("{c:?} {legs:?} {d:?}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Over a stream, with nothing forced out early, the connections come out as the batch pairing orders and
        /// numbers them, with the same diagnoses.
        #[test]
        fn a_stream_reads_as_the_batch(flows in proptest::collection::vec(flow_strategy(), 0..40)) {
            let mut flows = flows;
            for (i, f) in flows.iter_mut().enumerate() {
                f.location = format!("f:{}", i + 1);
                // Within an hour, so that no connection waits longer for its context than an analysis holds it.
                f.start = f.start.map(|s| s / 2);
                f.end = f.end.map(|e| e / 2);
            }
            let conv = Conversations::build(flows.clone());
            let batch = crate::diagnose(&conv, None);
            let mut order: Vec<usize> = (0..flows.len()).collect();
            order.sort_by_key(|&i| (flows[i].span().0, i));
            let mut analysis = Analysis::new(
                learn(&flows),
                None,
                Options { diagnose: true, hold: usize::MAX },
            );
            let mut items = Vec::new();
            for i in order {
                analysis.push(flows[i].clone(), &mut |item| items.push(item));
            }
            let counts = analysis.finish(&mut |item| items.push(item));
            prop_assert_eq!(counts, conv.counts());
            prop_assert_eq!(items.len(), conv.connections.len());
            for (i, item) in items.iter().enumerate() {
                prop_assert_eq!(item.number, i + 1);
                let d = batch.iter().find(|d| d.connection == i);
                prop_assert_eq!(
                    located(&item.connection, &item.flows, item.diagnosis.as_ref()),
                    located(&conv.connections[i], &conv.flows, d)
                );
            }
        }
    }
}
