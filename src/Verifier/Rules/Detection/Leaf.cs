namespace ZtStream.Verifier.Rules.Detection;

/// <summary>The JSON type of a value a field path reached.</summary>
internal enum LeafKind
{
    String,
    Number,
    Bool,
    Null,
    Object,
    Array,
}

/// <summary>
/// One value a field path reached, as text (strings unescaped, numbers as written, booleans as <c>true</c>/<c>false</c>).
/// A view over a stack buffer or the event's own strings: valid only during the test it is handed to.
/// </summary>
internal readonly ref struct Leaf(LeafKind kind, ReadOnlySpan<char> text, JsonElement element)
{
    public LeafKind Kind { get; } = kind;

    public ReadOnlySpan<char> Text { get; } = text;

    /// <summary>The JSON value, for leaves read from JSON (default for canonical fields).</summary>
    public JsonElement Element { get; } = element;

    /// <summary>Strings, numbers and booleans: the values text patterns apply to.</summary>
    public bool IsScalar => Kind is LeafKind.String or LeafKind.Number or LeafKind.Bool;

    /// <summary>
    /// The text a pattern tests: a scalar's text, or an object's JSON text, so that a pattern can search a map's keys and
    /// values at once (<c>raw.requestObject.data|contains: password</c>). False for null and lists.
    /// </summary>
    public bool TryMatchText(out ReadOnlySpan<char> text)
    {
        if (IsScalar)
        {
            text = Text;
            return true;
        }

        // Only a rule that reaches a whole object with a text test pays for its text.
        text = Kind == LeafKind.Object ? JsonText(Element) : default;
        return Kind == LeafKind.Object;
    }

    /// <summary>
    /// A JSON value written one way whatever way it arrived: compact, and with only the escapes JSON requires (a quote, a
    /// backslash, control characters). The API server's Go encoder writes every <c>&amp;</c>, <c>&lt;</c> and
    /// <c>&gt;</c> as <c>\u0026</c>, <c>\u003c</c>, <c>\u003e</c>, another source may escape every non-ASCII letter:
    /// the raw text would give one object two verdicts, and <c>contains: '&amp;&amp;'</c> never a match on a script
    /// in a ConfigMap.
    /// </summary>
    public static string JsonText(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
