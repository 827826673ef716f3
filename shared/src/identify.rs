//! Identification: every family looks at the request, their answers are
//! merged by vote (wazo-provd's `VotingUpdater`), and the best plugin for the
//! result is chosen by score.

use std::borrow::Cow;

use crate::family::{self, DeviceInfo, PROBABLE, Request};
use crate::plugin::Plugin;

/// Runs every family's extractor on `request` and merges the answers: per
/// field, the value given by most families wins; ties go to the first
/// family in registry order.
pub fn identify<'a>(request: &Request<'a>) -> DeviceInfo<'a> {
    let answers: Vec<DeviceInfo<'a>> =
        family::all().iter().filter_map(|f| f.extract(request)).filter(|i| !i.is_empty()).collect();
    match answers.len() {
        0 => DeviceInfo::default(),
        1 => answers.into_iter().next().unwrap(),
        _ => DeviceInfo {
            vendor: vote(answers.iter().map(|a| &a.vendor)),
            model: vote(answers.iter().map(|a| &a.model)),
            version: vote(answers.iter().map(|a| &a.version)),
            mac: vote_copy(answers.iter().map(|a| &a.mac)),
            sn: vote(answers.iter().map(|a| &a.sn)),
            uuid: vote(answers.iter().map(|a| &a.uuid)),
        },
    }
}

fn vote<'v, 'a: 'v>(values: impl Iterator<Item = &'v Option<Cow<'a, str>>>) -> Option<Cow<'a, str>> {
    let mut tally: Vec<(&Cow<'a, str>, usize)> = Vec::new();
    for v in values.flatten() {
        match tally.iter_mut().find(|(t, _)| *t == v) {
            Some((_, n)) => *n += 1,
            None => tally.push((v, 1)),
        }
    }
    let best = tally.iter().map(|(_, n)| *n).max()?;
    tally.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v.clone())
}

fn vote_copy<'v, T: Copy + PartialEq + 'v>(values: impl Iterator<Item = &'v Option<T>>) -> Option<T> {
    let mut tally: Vec<(T, usize)> = Vec::new();
    for &v in values.flatten() {
        match tally.iter_mut().find(|(t, _)| *t == v) {
            Some((_, n)) => *n += 1,
            None => tally.push((v, 1)),
        }
    }
    let best = tally.iter().map(|(_, n)| *n).max()?;
    tally.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

/// The plugin that best supports `info`: the highest score of at least
/// PROBABLE (300); ties go to the greatest plugin id, so `wazo-yealink-v87`
/// beats `wazo-yealink-v86`.
pub fn best_plugin<'p>(plugins: &'p [Plugin], info: &DeviceInfo<'_>) -> Option<&'p Plugin> {
    plugins
        .iter()
        .map(|p| (p.family.associate(p, info), p))
        .filter(|(score, _)| *score >= PROBABLE)
        .max_by(|(sa, pa), (sb, pb)| sa.cmp(sb).then_with(|| pa.id.cmp(&pb.id)))
        .map(|(_, p)| p)
}
