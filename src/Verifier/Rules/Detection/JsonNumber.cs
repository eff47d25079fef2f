namespace ZtStream.Verifier.Rules.Detection;

/// <summary>JSON's number grammar (RFC 8259): <c>-12</c>, <c>1.50</c>, <c>1e3</c>; not <c>+12</c>, <c>.5</c>, <c>0x1F</c>, <c>012</c>.</summary>
internal static partial class JsonNumber
{
    [GeneratedRegex(@"\A-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    public static partial Regex Grammar();
}
