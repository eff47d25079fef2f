#!/usr/bin/env python3
"""Writes src/Contracts/Identity/UnicodeTables.g.cs: the Unicode data LoginNames needs for RFC 8265's width mapping and
NFC, which .NET does not give a process running with InvariantGlobalization (string.Normalize is then a no-op).

The data is the Unicode Character Database's own files (UnicodeData.txt and DerivedNormalizationProps.txt), read from
/usr/share/unicode (Debian's unicode-data package: apt-get install unicode-data) or the folder given as the one
argument; its Unicode version is written into the file. The tables are source: nothing reads these files at run time.
Run from the repository root:
    python3 tools/unicode-tables.py [UCD-FOLDER]
"""
import os
import re
import sys

OUT = "src/Contracts/Identity/UnicodeTables.g.cs"
DEFAULT_UCD = "/usr/share/unicode"


def is_hangul_syllable(cp):
    return 0xAC00 <= cp <= 0xD7A3


def read_unicode_data(ucd):
    """Code point -> (canonical combining class, decomposition field). Ranges (<..., First>/<..., Last>) are CJK,
    Hangul, Tangut and private-use blocks: class 0, no decomposition field, so they need no entries."""
    data = {}
    with open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            if len(fields) < 6:
                continue
            data[int(fields[0], 16)] = (int(fields[3]), fields[5])
    return data


def read_composition_exclusions(ucd):
    """Full_Composition_Exclusion (the exclusion table, singletons, non-starter decompositions) and the version."""
    excluded, version = set(), None
    with open(os.path.join(ucd, "DerivedNormalizationProps.txt"), encoding="utf-8") as f:
        for line in f:
            if version is None and (m := re.match(r"# DerivedNormalizationProps-(\d+\.\d+\.\d+)\.txt", line)):
                version = m.group(1)
            body = line.split("#", 1)[0].strip()
            if not body:
                continue
            codes, prop = (part.strip() for part in body.split(";")[:2])
            if prop != "Full_Composition_Exclusion":
                continue
            first, _, last = codes.partition("..")
            excluded.update(range(int(first, 16), int(last or first, 16) + 1))
    if version is None:
        sys.exit(f"{ucd}/DerivedNormalizationProps.txt names no version")
    return excluded, version


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_UCD
    if not os.path.isfile(os.path.join(ucd, "UnicodeData.txt")):
        sys.exit(f"{ucd}/UnicodeData.txt not found: install Debian's unicode-data package or name a UCD folder")
    data = read_unicode_data(ucd)
    excluded, version = read_composition_exclusions(ucd)

    def ccc(cp):
        return data.get(cp, (0, ""))[0]

    def canonical(cp):
        raw = data.get(cp, (0, ""))[1]
        return [] if not raw or raw.startswith("<") else [int(x, 16) for x in raw.split()]

    def full_decomposition(cp):
        single = canonical(cp)
        if not single:
            return [cp]
        out = [part for first in single for part in full_decomposition(first)]
        # Canonical ordering (a stable sort of each run of non-starters by class), as NFD leaves it.
        i = 1
        while i < len(out):
            j = i
            while j > 0 and ccc(out[j]) != 0 and ccc(out[j - 1]) > ccc(out[j]):
                out[j - 1], out[j] = out[j], out[j - 1]
                j -= 1
            i += 1
        return out

    decomposition_keys, decomposition_starts, decompositions = [], [], []
    combining = []  # (start, end, class)
    pairs = []  # (first, second, composite)
    width = []  # (code point, mapped)
    for cp in sorted(data):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cls = ccc(cp)
        if cls:
            if combining and combining[-1][1] == cp - 1 and combining[-1][2] == cls:
                combining[-1] = (combining[-1][0], cp, cls)
            else:
                combining.append((cp, cp, cls))
        raw = data[cp][1]
        if not raw or is_hangul_syllable(cp):
            continue
        if raw.startswith("<wide>") or raw.startswith("<narrow>"):
            mapped = [int(x, 16) for x in raw.split()[1:]]
            assert len(mapped) == 1
            width.append((cp, mapped[0]))
            continue
        if raw.startswith("<"):
            continue
        decomposition_keys.append(cp)
        decomposition_starts.append(len(decompositions))
        decompositions.extend(full_decomposition(cp))
        single = canonical(cp)
        # A primary composite: a two-code-point decomposition that NFC composes back (not a composition exclusion).
        if len(single) == 2 and cp not in excluded:
            pairs.append((single[0], single[1], cp))
    decomposition_starts.append(len(decompositions))
    pairs.sort(key=lambda p: (p[0] << 21) | p[1])

    def rows(values, per_line=16):
        text = [str(v) for v in values]
        return "\n".join("        " + ", ".join(text[i:i + per_line]) + "," for i in range(0, len(text), per_line))

    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"""// <auto-generated>
// Written by tools/unicode-tables.py from Unicode {version} (the Unicode Character Database's UnicodeData.txt and DerivedNormalizationProps.txt). Do not edit; run the script.
// </auto-generated>

namespace ZtStream.Contracts.Identity;

internal static partial class UnicodeTables
{{
    public const string UnicodeVersion = "{version}";

    /// <summary>Code points with a canonical decomposition (Hangul syllables excepted: they decompose by arithmetic), ascending.</summary>
    private static ReadOnlySpan<int> DecompositionKeys =>
    [
{rows(decomposition_keys)}
    ];

    /// <summary>Where each key's full canonical decomposition starts in <see cref="Decompositions"/>; one more at the end.</summary>
    private static ReadOnlySpan<ushort> DecompositionStarts =>
    [
{rows(decomposition_starts)}
    ];

    private static ReadOnlySpan<int> Decompositions =>
    [
{rows(decompositions)}
    ];

    /// <summary>Ranges of the canonical combining class: first, last, class; ascending. Every other code point is class 0.</summary>
    private static ReadOnlySpan<int> CombiningClasses =>
    [
{rows([v for r in combining for v in r], 15)}
    ];

    /// <summary>Primary composites by their two code points, <c>first &lt;&lt; 21 | second</c>, ascending.</summary>
    private static ReadOnlySpan<long> CompositionPairs =>
    [
{rows([(a << 21) | b for a, b, _ in pairs], 8)}
    ];

    private static ReadOnlySpan<int> Composites =>
    [
{rows([c for _, _, c in pairs])}
    ];

    /// <summary>Code points of decomposition type &lt;wide&gt; or &lt;narrow&gt;, ascending, and what each maps to.</summary>
    private static ReadOnlySpan<int> WidthVariants =>
    [
{rows([w for w, _ in width])}
    ];

    private static ReadOnlySpan<int> WidthMapped =>
    [
{rows([m for _, m in width])}
    ];
}}
""")
    print(f"{OUT}: Unicode {version}, {len(decomposition_keys)} decompositions, "
          f"{len(combining)} combining ranges, {len(pairs)} compositions, {len(width)} width variants", file=sys.stderr)



if __name__ == "__main__":
    main()
