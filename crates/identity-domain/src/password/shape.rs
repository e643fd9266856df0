//! Trivially guessable shapes of a password: a word repeated
//! (`passwordpassword`, `abcabcabcabcabc`), a walk along a keyboard row
//! (`qwertyuiopasdfg`, `azertyuiopqsdfg`), a sequence (`123456789012345`,
//! `onmlkjihgfedcba`), or at most two such runs side by side
//! (`qwerty123456789`, `aaaaaaaa12345678`).
//!
//! A run is a stretch in which every character is the same as the one
//! before, or the next (or the previous, the same way throughout the run)
//! on one of the lines below. A password made of one or two runs has as few
//! guesses as its two starting points, directions and lengths: almost none.

/// What makes a password guessable, in the order the checks report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One word or character repeated.
    Repeated,
    /// Keys next to each other on a keyboard row.
    KeyboardRow,
    /// Letters or digits in alphabetical or numerical order.
    Sequence,
}

/// A line of characters a run may follow, and whether it goes on from its
/// end to its start (`…7890123…`).
struct Line {
    chars: &'static str,
    shape: Shape,
    cyclic: bool,
}

const fn row(chars: &'static str) -> Line {
    Line { chars, shape: Shape::KeyboardRow, cyclic: false }
}

/// The keyboards of the practice's users (QWERTY for English, AZERTY for
/// French, QWERTZ), each row unshifted and shifted, in lower case as the
/// check folds the password; then each layout's letters row after row, since
/// `qwertyuiopasdfg` runs from the end of one row into the next.
const LINES: &[Line] = &[
    Line { chars: "abcdefghijklmnopqrstuvwxyz", shape: Shape::Sequence, cyclic: true },
    Line { chars: "0123456789", shape: Shape::Sequence, cyclic: true },
    // QWERTY
    row("`1234567890-="),
    row("~!@#$%^&*()_+"),
    row("qwertyuiop[]\\"),
    row("qwertyuiop{}|"),
    row("asdfghjkl;'"),
    row("asdfghjkl:\""),
    row("zxcvbnm,./"),
    row("zxcvbnm<>?"),
    row("qwertyuiopasdfghjklzxcvbnm"),
    // AZERTY
    row("²&é\"'(-è_çà)="),
    row("1234567890°+"),
    row("azertyuiop^$"),
    row("azertyuiop¨£"),
    row("qsdfghjklmù*"),
    row("qsdfghjklm%µ"),
    row("<wxcvbn,;:!"),
    row(">wxcvbn?./§"),
    row("azertyuiopqsdfghjklmwxcvbn"),
    // QWERTZ
    row("qwertzuiopü+"),
    row("asdfghjklöä#"),
    row("yxcvbnm,.-"),
    row("qwertzuiopasdfghjklyxcvbnm"),
];

/// One way a step from one character to the next can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The same character again.
    Same,
    /// One place along `LINES[line]`, forwards (`1`) or backwards (`-1`).
    Along { line: usize, direction: isize },
}

impl Step {
    fn shape(self) -> Shape {
        match self {
            Self::Same => Shape::Repeated,
            Self::Along { line, .. } => LINES[line].shape,
        }
    }
}

/// Every reading of the step from `a` to `b`.
fn steps(a: char, b: char) -> Vec<Step> {
    let mut found = Vec::new();
    if a == b {
        found.push(Step::Same);
    }
    for (index, line) in LINES.iter().enumerate() {
        let chars: Vec<char> = line.chars.chars().collect();
        let Some(at) = chars.iter().position(|&c| c == a) else { continue };
        for direction in [1isize, -1] {
            let next = at.checked_add_signed(direction).filter(|&n| n < chars.len());
            let next = match (next, line.cyclic) {
                (Some(n), _) => Some(n),
                (None, true) => Some((at + chars.len()).wrapping_add_signed(direction) % chars.len()),
                (None, false) => None,
            };
            if next.is_some_and(|n| chars[n] == b) {
                found.push(Step::Along { line: index, direction });
            }
        }
    }
    found
}

/// The runs `text` is made of, greedily from the left: each run's length
/// and shape (a run of one character has none).
fn runs(text: &[char]) -> Vec<(usize, Option<Shape>)> {
    let mut runs = Vec::new();
    let mut length = 0;
    // The readings every step of the current run allows so far.
    let mut readings: Vec<Step> = Vec::new();
    for (i, &c) in text.iter().enumerate() {
        if i == 0 {
            length = 1;
            continue;
        }
        let here = steps(text[i - 1], c);
        let kept: Vec<Step> =
            if length == 1 { here } else { readings.iter().copied().filter(|s| here.contains(s)).collect() };
        if kept.is_empty() {
            runs.push((length, readings.first().map(|s| run_shape(&readings, *s))));
            length = 1;
            readings.clear();
        } else {
            length += 1;
            readings = kept;
        }
    }
    if length > 0 {
        runs.push((length, readings.first().map(|s| run_shape(&readings, *s))));
    }
    runs
}

/// A run that reads both as a sequence and as a keyboard row (`123456`) is
/// a sequence.
fn run_shape(readings: &[Step], first: Step) -> Shape {
    if readings.iter().any(|s| s.shape() == Shape::Sequence) { Shape::Sequence } else { first.shape() }
}

/// Whether `text` is a shorter word written at least twice in a row (a last
/// partial copy allowed: `abcabcabcab`).
fn is_repeated(text: &[char]) -> bool {
    (1..=text.len() / 2).any(|period| text.iter().skip(period).zip(text).all(|(a, b)| a == b))
}

/// The guessable shape of `folded` (a password in lower case), if it has
/// one: a repeated word, or at most two runs, named by the longest.
pub(crate) fn shape_of(folded: &str) -> Option<Shape> {
    let text: Vec<char> = folded.chars().collect();
    if text.len() < 2 {
        return None;
    }
    if is_repeated(&text) {
        return Some(Shape::Repeated);
    }
    let runs = runs(&text);
    if runs.len() > 2 {
        return None;
    }
    runs.iter().filter(|(_, shape)| shape.is_some()).max_by_key(|(length, _)| *length).and_then(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_written_again_and_again_is_repeated() {
        for text in [
            "passwordpassword",
            "abcabcabcabcabc",
            "zzzzzzzzzzzzzzz",
            "correct horse correct horse ",
            "abcabcabcab",
        ] {
            assert_eq!(shape_of(text), Some(Shape::Repeated), "{text}");
        }
    }

    #[test]
    fn keyboard_rows_of_each_layout_are_found_in_both_directions() {
        for text in [
            "qwertyuiopasdfg",
            "gfdsapoiuytrewq",
            "azertyuiopqsdfg",
            "qsdfghjklmwxcvbn",
            "qwertzuiopasdfg",
            "!@#$%^&*()_+",
            "&é\"'(-è_çà)=",
            "zxcvbnm,./",
        ] {
            assert_eq!(shape_of(text), Some(Shape::KeyboardRow), "{text}");
        }
    }

    #[test]
    fn sequences_go_on_past_their_end_and_run_either_way() {
        for text in
            ["123456789012345", "abcdefghijklmno", "543210987654321", "onmlkjihgfedcba", "uvwxyzabcdefghi"]
        {
            assert_eq!(shape_of(text), Some(Shape::Sequence), "{text}");
        }
    }

    #[test]
    fn two_runs_side_by_side_are_named_by_the_longest() {
        assert_eq!(shape_of("qwerty123456789"), Some(Shape::Sequence));
        assert_eq!(shape_of("qwertyuiop12345"), Some(Shape::KeyboardRow));
        assert_eq!(shape_of("aaaaaaaaaa12345"), Some(Shape::Repeated));
        assert_eq!(shape_of("987654321zyxwvu"), Some(Shape::Sequence));
    }

    #[test]
    fn passphrases_and_random_passwords_have_no_shape() {
        for text in [
            "correct horse battery staple",
            "a long and private passphrase",
            "maple syrup on a snowy morning",
            "k7#qp2vz9w!mx4r",
            "abcdefg1234567xyz",
            "qwerty123abc456",
        ] {
            assert_eq!(shape_of(text), None, "{text}");
        }
    }
}
