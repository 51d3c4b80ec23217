//! The producer side of the harness ([`crate::stream::run`]): which word to present in a cycle.
//! A unit without contexts takes its words in order, after each word's gap of idle cycles. A unit
//! with contexts (`ctx_o`, docs/hbfp_mac.md "Contexts") takes them in turns: the case's groups are
//! dealt to the contexts (its `contexts` list, else round robin), each context presents its own
//! queue in order in its turns, after each word's gap of idle turns, and the turn moves on exactly
//! when the unit does (`in_ready_o`), from 0 after a reset.

use std::collections::VecDeque;

/// The producer of a case.
pub(crate) enum Driver<'a> {
    /// In order: word `next` after `wait` idle cycles.
    InOrder {
        starts: &'a [bool],
        gaps: &'a [u8],
        next: usize,
        wait: u64,
    },
    /// In turns: one queue of word indices per context.
    Turns {
        starts: &'a [bool],
        gaps: &'a [u8],
        turn: u32,
        queues: Vec<VecDeque<usize>>,
        wait: Vec<u64>,
        accepted: usize,
    },
}

fn gap(gaps: &[u8], i: usize) -> u64 {
    if gaps.is_empty() {
        0
    } else {
        gaps[i % gaps.len()] as u64
    }
}

impl<'a> Driver<'a> {
    /// The producer of a case's words for a unit of `contexts` contexts: `starts` says which words
    /// start a group, `gaps` are the case's gaps and `dealt` the context of each group in turn
    /// (round robin past its end).
    pub(crate) fn new(
        contexts: u32,
        starts: &'a [bool],
        gaps: &'a [u8],
        dealt: &[u8],
    ) -> Driver<'a> {
        if contexts <= 1 {
            return Driver::InOrder {
                starts,
                gaps,
                next: 0,
                wait: gap(gaps, 0),
            };
        }
        let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); contexts as usize];
        let mut group = 0usize;
        let mut ctx = 0usize;
        for (k, &start) in starts.iter().enumerate() {
            if start || k == 0 {
                if k > 0 {
                    group += 1;
                }
                ctx = dealt.get(group).map_or(group, |&c| c as usize) % contexts as usize;
            }
            queues[ctx].push_back(k);
        }
        let wait = queues
            .iter()
            .map(|q| q.front().map_or(0, |&k| gap(gaps, k)))
            .collect();
        Driver::Turns {
            starts,
            gaps,
            turn: 0,
            queues,
            wait,
            accepted: 0,
        }
    }

    /// The word to present this cycle, if any.
    pub(crate) fn offer(&self) -> Option<usize> {
        match self {
            Driver::InOrder {
                starts, next, wait, ..
            } => (*next < starts.len() && *wait == 0).then_some(*next),
            Driver::Turns {
                turn, queues, wait, ..
            } => {
                let t = *turn as usize;
                queues[t].front().copied().filter(|_| wait[t] == 0)
            }
        }
    }

    /// The turn the unit must show this cycle (`ctx_o`), for a unit with contexts.
    pub(crate) fn turn(&self) -> Option<u32> {
        match self {
            Driver::InOrder { .. } => None,
            Driver::Turns { turn, .. } => Some(*turn),
        }
    }

    /// After a cycle in which `offered` was presented (or nothing) and the unit showed `ready`
    /// (`in_ready_o`): the word is taken, a gap counts down, the turn moves on.
    pub(crate) fn after(&mut self, offered: Option<usize>, ready: bool) {
        match self {
            Driver::InOrder {
                starts,
                gaps,
                next,
                wait,
            } => {
                if offered.is_some() && ready {
                    *next += 1;
                    *wait = if *next < starts.len() {
                        gap(gaps, *next)
                    } else {
                        0
                    };
                } else if offered.is_none() && *wait > 0 {
                    *wait -= 1;
                }
            }
            Driver::Turns {
                gaps,
                turn,
                queues,
                wait,
                accepted,
                ..
            } => {
                if !ready {
                    return;
                }
                let t = *turn as usize;
                if offered.is_some() {
                    queues[t].pop_front();
                    *accepted += 1;
                    wait[t] = queues[t].front().map_or(0, |&k| gap(gaps, k));
                } else if wait[t] > 0 {
                    wait[t] -= 1;
                }
                *turn = (*turn + 1) % queues.len() as u32;
            }
        }
    }

    /// After a reset: a unit with groups resumes at the next word that starts one (in each
    /// context), and the turn starts from 0.
    pub(crate) fn reset(&mut self) {
        match self {
            Driver::InOrder { starts, next, .. } => {
                while *next < starts.len() && !starts[*next] {
                    *next += 1;
                }
            }
            Driver::Turns {
                starts,
                turn,
                queues,
                ..
            } => {
                for q in queues.iter_mut() {
                    while q.front().is_some_and(|&k| !starts[k]) {
                        q.pop_front();
                    }
                }
                *turn = 0;
            }
        }
    }

    /// Whether every word has been presented and taken (or dropped by a reset).
    pub(crate) fn done(&self) -> bool {
        match self {
            Driver::InOrder { starts, next, .. } => *next >= starts.len(),
            Driver::Turns { queues, .. } => queues.iter().all(VecDeque::is_empty),
        }
    }

    /// Words taken so far (in order: the index of the next one).
    pub(crate) fn accepted(&self) -> usize {
        match self {
            Driver::InOrder { next, .. } => *next,
            Driver::Turns { accepted, .. } => *accepted,
        }
    }
}
