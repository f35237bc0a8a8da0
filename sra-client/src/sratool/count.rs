//! sratool's `count N|off` limit on printed hits, and its report (`count` with no argument,
//! and the last part of `status`), as sratool 3.0.2 keeps them: a signed counter that goes
//! down with every hit whether or not a limit is set, so that it also tells how many hits
//! were printed recently or suppressed since the limit ran out.
//!
//! Choice: `status` prints the same report as `count`; libaxa's `status` omits the "not
//! limited" form and then reports an unlimited count as "stopped by count N packets ago".

/// What to do with one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Print it.
    Print,
    /// The limit has just run out: print [`super::format::COUNT_EXCEEDED`] instead.
    Exceeded,
    /// The limit ran out earlier: print nothing.
    Suppress,
}

/// The display limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrintCount {
    counting: bool,
    /// Hits left to print; negative = printed (not counting) or suppressed (counting) since.
    left: i64,
    total: u64,
}

impl PrintCount {
    /// `count N`: print N more hits.
    pub fn set(&mut self, n: u64) {
        self.counting = true;
        self.total = n;
        self.left = i64::try_from(n).unwrap_or(i64::MAX);
    }

    /// `count off`.
    pub fn off(&mut self) {
        if self.counting {
            *self = PrintCount::default();
        }
    }

    /// A new connection: a set limit starts again from its total.
    pub fn restart(&mut self) {
        if self.counting {
            self.set(self.total);
        }
    }

    /// Counts one hit.
    pub fn hit(&mut self) -> Verdict {
        self.left = self.left.saturating_sub(1);
        match (self.counting, self.left) {
            (true, -1) => Verdict::Exceeded,
            (true, l) if l < 0 => Verdict::Suppress,
            _ => Verdict::Print,
        }
    }

    /// The report, one or two lines without the final newline.
    pub fn report(&self) -> String {
        let since = self.left.unsigned_abs();
        if !self.counting {
            format!(
                "    packet printing not limited by count\n        {since} packets recently printed"
            )
        } else if self.left < 0 {
            format!("    packet printing stopped by count {since} packets ago")
        } else {
            format!(
                "    {} packets remaining to print of {} total",
                self.left, self.total
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_runs_out_once_and_counts_on() {
        let mut c = PrintCount::default();
        c.set(72);
        assert_eq!(c.report(), "    72 packets remaining to print of 72 total");
        c.set(2);
        assert_eq!(c.hit(), Verdict::Print);
        assert_eq!(c.report(), "    1 packets remaining to print of 2 total");
        assert_eq!(c.hit(), Verdict::Print);
        assert_eq!(c.hit(), Verdict::Exceeded);
        assert_eq!(c.hit(), Verdict::Suppress);
        assert_eq!(
            c.report(),
            "    packet printing stopped by count 2 packets ago"
        );
        c.restart();
        assert_eq!(c.report(), "    2 packets remaining to print of 2 total");
    }

    #[test]
    fn without_a_limit_hits_are_counted_as_printed() {
        let mut c = PrintCount::default();
        assert_eq!(c.hit(), Verdict::Print);
        assert_eq!(c.hit(), Verdict::Print);
        assert_eq!(
            c.report(),
            "    packet printing not limited by count\n        2 packets recently printed"
        );
        c.restart();
        assert_eq!(c.hit(), Verdict::Print);
        c.set(1);
        c.off();
        assert_eq!(c, PrintCount::default());
        // `off` without a limit keeps the "recently printed" counter.
        c.hit();
        c.off();
        assert!(c.report().ends_with("1 packets recently printed"));
    }
}
