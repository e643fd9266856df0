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

use std::collections::HashMap;
use std::sync::LazyLock;

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

/// The ways a step from one character to the next can be read, as a set of
/// bits: one for "the same character again", and for each line one for a
/// step forwards and one backwards along it.
type Readings = u64;

const SAME: Readings = 1 << 63;

const fn along(line: usize, forwards: bool) -> Readings {
    1 << (line * 2 + if forwards { 0 } else { 1 })
}

const _: () = assert!(LINES.len() * 2 < 63, "every line needs two bits beside SAME");

/// The lines as characters, and where each character stands on them.
struct Table {
    lines: Vec<Vec<char>>,
    places: HashMap<char, Vec<(usize, usize)>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let lines: Vec<Vec<char>> = LINES.iter().map(|l| l.chars.chars().collect()).collect();
    let mut places: HashMap<char, Vec<(usize, usize)>> = HashMap::new();
    for (line, chars) in lines.iter().enumerate() {
        for (at, &c) in chars.iter().enumerate() {
            places.entry(c).or_default().push((line, at));
        }
    }
    Table { lines, places }
});

/// Every reading of the step from `a` to `b`.
fn steps(a: char, b: char) -> Readings {
    let table = &*TABLE;
    let mut found = if a == b { SAME } else { 0 };
    for &(line, at) in table.places.get(&a).map_or(&[][..], Vec::as_slice) {
        let chars = &table.lines[line];
        let last = chars.len() - 1;
        let (next, previous) = match (LINES[line].cyclic, at) {
            (true, _) => (Some((at + 1) % chars.len()), Some((at + last) % chars.len())),
            (false, 0) => (Some(1), None),
            (false, _) => ((at < last).then_some(at + 1), Some(at - 1)),
        };
        if next.is_some_and(|n| chars[n] == b) {
            found |= along(line, true);
        }
        if previous.is_some_and(|p| chars[p] == b) {
            found |= along(line, false);
        }
    }
    found
}

/// The shape of a run its readings allow: a run that reads both as a
/// sequence and as a keyboard row (`123456`) is a sequence.
fn run_shape(readings: Readings) -> Option<Shape> {
    if readings & SAME != 0 {
        return Some(Shape::Repeated);
    }
    let on = |shape: Shape| {
        LINES
            .iter()
            .enumerate()
            .any(|(i, l)| l.shape == shape && readings & (along(i, true) | along(i, false)) != 0)
    };
    [Shape::Sequence, Shape::KeyboardRow].into_iter().find(|&shape| on(shape))
}

/// The runs `text` is made of, greedily from the left: each run's length
/// and shape (a run of one character has none).
fn runs(text: &[char]) -> Vec<(usize, Option<Shape>)> {
    let mut runs = Vec::new();
    let mut length = 1;
    // The readings every step of the current run allows so far.
    let mut readings: Readings = 0;
    for pair in text.windows(2) {
        let here = steps(pair[0], pair[1]);
        let kept = if length == 1 { here } else { readings & here };
        if kept == 0 {
            runs.push((length, run_shape(readings)));
            length = 1;
            readings = 0;
        } else {
            length += 1;
            readings = kept;
        }
    }
    if !text.is_empty() {
        runs.push((length, run_shape(readings)));
    }
    runs
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
