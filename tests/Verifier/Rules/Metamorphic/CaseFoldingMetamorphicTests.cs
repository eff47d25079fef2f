using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>
/// One rule gives one verdict on one event, whichever way the Verifier reads a value: a JSON string without escapes is
/// first offered to the test as its UTF-8 bytes, the same string with every character written <c>\uXXXX</c> only as
/// .NET text. Characters whose case is special — the Kelvin sign and the Ångström sign, Turkish dotted and dotless i,
/// the long s, Greek final sigma, the sharp s and its capital, fullwidth letters — against ASCII and non-ASCII rule
/// values, as field values and as the names of fields.
/// </summary>
public sealed class CaseFoldingMetamorphicTests
{
    private static readonly string[] Characters =
    [
        "k", "K", "\u212A", "s", "S", "\u017F", "i", "I", "\u0131", "\u0130", "a", "A", "\uFF41", "\uFF21",
        "\u00E5", "\u00C5", "\u212B", "\u03C3", "\u03A3", "\u03C2", "\u00DF", "\u1E9E", "ss", "\u01C5", "\u01C6",
    ];

    private static readonly string[] Modifiers = ["", "|startswith", "|endswith", "|contains", "|cased", "|re|i"];

    public static TheoryData<string> RuleValues() => [.. Characters];

    [Theory]
    [MemberData(nameof(RuleValues))]
    public void FieldValue_BytesAndText_GiveOneVerdict(string value)
    {
        foreach (var modifier in Modifiers)
        {
            var pattern = modifier == "|re|i" ? $"^x?{value}x?$" : value;
            var rule = Detection($"""
                sel:
                  raw.f{modifier}: '{pattern}'
                condition: sel
                """);
            foreach (var c in Characters)
            {
                foreach (var text in new[] { c, "x" + c, c + "x" })
                {
                    var bytes = rule.Matches(WithRaw($$"""{"f":"{{text}}"}"""));
                    var chars = rule.Matches(WithRaw($$"""{"f":"{{Escaped(text)}}"}"""));
                    Assert.True(bytes == chars, $"raw.f{modifier}: '{pattern}' on \"{Escaped(text)}\": {bytes} on bytes, {chars} on text");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(RuleValues))]
    public void FieldName_BytesAndText_GiveOneVerdict(string name)
    {
        var rule = Detection($"""
            sel:
              raw.x{name}: v
            condition: sel
            """);
        foreach (var c in Characters)
        {
            var bytes = rule.Matches(WithRaw($$"""{"x{{c}}":"v"}"""));
            var chars = rule.Matches(WithRaw($$"""{"{{Escaped("x" + c)}}":"v"}"""));
            Assert.True(bytes == chars, $"raw.x{name} on key \"{Escaped("x" + c)}\": {bytes} on bytes, {chars} on text");
        }
    }

    private static string Escaped(string text) => string.Concat(text.Select(c => $"\\u{(int)c:x4}"));
}
