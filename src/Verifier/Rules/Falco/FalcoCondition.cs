namespace ZtStream.Verifier.Rules.Falco;

/// <summary>A node of a parsed Falco condition. <see cref="Column"/> is 1-based within the condition text.</summary>
internal abstract record FalcoExpr(int Column);

internal sealed record FalcoAnd(IReadOnlyList<FalcoExpr> Children, int Column) : FalcoExpr(Column);

internal sealed record FalcoOr(IReadOnlyList<FalcoExpr> Children, int Column) : FalcoExpr(Column);

internal sealed record FalcoNot(FalcoExpr Child, int Column) : FalcoExpr(Column);

/// <summary>A bare identifier: a macro reference.</summary>
internal sealed record FalcoMacroRef(string Name, int Column) : FalcoExpr(Column);

/// <summary>
/// A field check: <c>field[arg] op operand</c> (no operand for <c>exists</c>). <see cref="Transformers"/> wrap the field,
/// outermost first: <c>toupper(basename(x))</c> is <c>[toupper, basename]</c>.
/// </summary>
internal sealed record FalcoCheck(string Field, string? Arg, string Operator, FalcoOperand? Operand, int Column, IReadOnlyList<string>? Transformers = null)
    : FalcoExpr(Column)
{
    public string FieldText => FalcoFieldOperand.Render(Field, Arg, Transformers);
}

internal abstract record FalcoOperand;

/// <summary>One value (after <c>=</c>, <c>contains</c>, <c>&lt;</c> …).</summary>
internal sealed record FalcoScalar(string Value) : FalcoOperand;

/// <summary>A parenthesised list (after <c>in</c>, <c>intersects</c>, <c>pmatch</c>); bare items may name a Falco list.</summary>
internal sealed record FalcoValueList(IReadOnlyList<FalcoListValue> Values) : FalcoOperand;

/// <summary>
/// Another field of the same event on the right-hand side: <c>val(field)</c>, or a field in a transformer
/// (<c>tolower(field)</c>); <see cref="Transformers"/> outermost first, <c>val</c> not among them.
/// </summary>
internal sealed record FalcoFieldOperand(string Field, string? Arg, IReadOnlyList<string> Transformers) : FalcoOperand
{
    public string Text => Render(Field, Arg, Transformers);

    public static string Render(string field, string? arg, IReadOnlyList<string>? transformers)
    {
        var text = arg is null ? field : $"{field}[{arg}]";
        if (transformers is not null)
        {
            for (var i = transformers.Count - 1; i >= 0; i--)
            {
                text = $"{transformers[i]}({text})";
            }
        }

        return text;
    }
}

/// <summary>A list item as written: quoted items are always literal, bare ones may name a Falco list.</summary>
internal sealed record FalcoListValue(string Value, bool Bare);

/// <summary>A condition the parser rejected; <see cref="Column"/> is where it stopped.</summary>
internal sealed class FalcoSyntaxException(string message, int column) : Exception(message)
{
    public int Column { get; } = column;
}

/// <summary>
/// Parses Falco's condition language as libsinsp's filter parser does: <c>or</c> binds loosest, then <c>and</c>, then
/// <c>not</c>; a check is a dotted field name with an optional <c>[argument]</c>, an operator and a value or a
/// parenthesised list; a bare identifier is a macro. Bare values stop at blanks, parentheses, commas, quotes and
/// <c>=</c>; quoted values take backslash escapes.
/// </summary>
internal sealed class FalcoConditionParser
{
    // Word operators need a blank after them (libsinsp's list ends each with a space); we accept any blank.
    private static readonly string[] NumericOperators = ["<=", "<", ">=", ">"];
    private static readonly string[] SymbolOperators = ["==", "=", "!="];
    private static readonly string[] WordOperators =
        ["glob", "iglob", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "regex"];
    private static readonly string[] ListOperators = ["intersects", "in", "pmatch"];
    private static readonly string[] Transformers = ["tolower(", "toupper(", "b64(", "basename(", "len("];

    private readonly string text;
    private int pos;
    private int depth;

    private FalcoConditionParser(string text) => this.text = text;

    /// <summary>Every operator the parser knows, as written in a condition.</summary>
    public static IReadOnlyList<string> Operators { get; } =
        ["exists", .. NumericOperators, .. SymbolOperators, .. WordOperators, .. ListOperators];

    public static FalcoExpr Parse(string condition)
    {
        if (string.IsNullOrWhiteSpace(condition))
        {
            throw new FalcoSyntaxException("the condition is empty", 1);
        }

        var parser = new FalcoConditionParser(condition);
        var result = parser.ParseOr();
        parser.SkipBlanks();
        if (parser.pos != condition.Length)
        {
            throw parser.Error($"unexpected '{parser.Snippet()}', expecting 'and', 'or' or the end of the condition");
        }

        return result;
    }

    private FalcoExpr ParseOr() => ParseChain("or", ParseAnd, (children, column) => new FalcoOr(children, column));

    private FalcoExpr ParseAnd() => ParseChain("and", ParseNot, (children, column) => new FalcoAnd(children, column));

    /// <summary>One or more operands joined by <paramref name="keyword"/>.</summary>
    private FalcoExpr ParseChain(string keyword, Func<FalcoExpr> operand, Func<List<FalcoExpr>, int, FalcoExpr> combine)
    {
        using var guard = Enter();
        var column = Column;
        SkipBlanks();
        var children = new List<FalcoExpr> { operand() };
        SkipBlanks();
        while (Keyword(keyword))
        {
            children.Add(AfterKeyword(keyword) ? ParseEmbeddedRemainder() : operand());
            SkipBlanks();
        }

        return children.Count == 1 ? children[0] : combine(children, column);
    }

    /// <summary>After <c>and</c>/<c>or</c>: a blank, or an opening parenthesis (true when the parenthesis was consumed).</summary>
    private bool AfterKeyword(string keyword)
    {
        if (SkipBlanks())
        {
            return false;
        }

        if (Literal("("))
        {
            return true;
        }

        throw Error($"expected a blank or '(' after '{keyword}'");
    }

    private FalcoExpr ParseNot()
    {
        using var guard = Enter();
        var column = Column;
        SkipBlanks();
        var negate = false;
        while (true)
        {
            if (At("not") && pos + 3 < text.Length && char.IsWhiteSpace(text[pos + 3]))
            {
                pos += 3;
                SkipBlanks();
                negate = !negate;
                continue;
            }

            if (At("not("))
            {
                pos += 4;
                negate = !negate;
                var inner = ParseEmbeddedRemainder();
                return negate ? new FalcoNot(inner, column) : inner;
            }

            break;
        }

        var child = ParseCheck();
        return negate ? new FalcoNot(child, column) : child;
    }

    private FalcoExpr ParseEmbeddedRemainder()
    {
        using var guard = Enter();
        SkipBlanks();
        var child = ParseOr();
        SkipBlanks();
        if (!Literal(")"))
        {
            throw Error("expected ')'");
        }

        return child;
    }

    private FalcoExpr ParseCheck()
    {
        using var guard = Enter();
        SkipBlanks();
        var column = Column;
        if (Literal("("))
        {
            return ParseEmbeddedRemainder();
        }

        if (LexTransformer() is { } transformer)
        {
            var (inner, innerArg, transformers) = ParseTransformed(transformer);
            return ParseCondition(inner, innerArg, column, transformers);
        }

        if (LexFieldName() is { } field)
        {
            return ParseCondition(field, ParseFieldArg(), column, null);
        }

        if (LexIdentifier() is { } identifier)
        {
            return new FalcoMacroRef(identifier, column);
        }

        throw Error(pos >= text.Length ? "the condition ends where a check, a macro or '(' was expected" : $"expected a check, a macro or '(', found '{Snippet()}'");
    }

    private string? ParseFieldArg()
    {
        if (!Literal("["))
        {
            return null;
        }

        var arg = LexQuoted() ?? LexWhile(c => c is not ('[' or ']' or '"' or '\'') && !char.IsWhiteSpace(c))
            ?? throw Error("expected a field argument: a quoted or a bare string");
        if (!Literal("]"))
        {
            throw Error("expected ']' after the field argument");
        }

        return arg;
    }

    /// <summary><c>tolower(</c>, <c>len(</c> … at the cursor: the transformer's name, the cursor past its parenthesis.</summary>
    private string? LexTransformer()
    {
        foreach (var t in Transformers)
        {
            if (Literal(t))
            {
                return t[..^1];
            }
        }

        return null;
    }

    /// <summary>After <c>transformer(</c>: a field or a nested transformer, then <c>)</c>, as libsinsp's parser reads it.</summary>
    private (string Field, string? Arg, List<string> Transformers) ParseTransformed(string transformer)
    {
        using var guard = Enter();
        SkipBlanks();
        (string Field, string? Arg, List<string> Transformers) result;
        if (LexTransformer() is { } nested)
        {
            result = ParseTransformed(nested);
        }
        else if (LexFieldName() is { } field)
        {
            result = (field, ParseFieldArg(), []);
        }
        else
        {
            throw Error($"expected a field or a transformer ({string.Join(", ", Transformers.Select(t => t[..^1]))}) inside '{transformer}(…)'");
        }

        SkipBlanks();
        if (!Literal(")"))
        {
            throw Error($"expected ')' closing '{transformer}('");
        }

        result.Transformers.Insert(0, transformer);
        return result;
    }

    private FalcoCheck ParseCondition(string field, string? arg, int column, IReadOnlyList<string>? transformers)
    {
        SkipBlanks();
        if (At("exists"))
        {
            pos += "exists".Length;
            return new FalcoCheck(field, arg, "exists", null, column, transformers);
        }

        foreach (var op in NumericOperators)
        {
            if (Literal(op))
            {
                SkipBlanks();
                FalcoOperand number = (FalcoOperand?)ParseFieldOperand()
                    ?? (LexNumber() is { } n ? new FalcoScalar(n) : throw Error($"expected a number after '{op}' (or a field: val(…), a transformer)"));
                return new FalcoCheck(field, arg, op, number, column, transformers);
            }
        }

        foreach (var op in SymbolOperators)
        {
            if (Literal(op))
            {
                return new FalcoCheck(field, arg, op == "==" ? "=" : op, ParseStringValue(op), column, transformers);
            }
        }

        foreach (var op in WordOperators)
        {
            if (At(op) && pos + op.Length < text.Length && char.IsWhiteSpace(text[pos + op.Length]))
            {
                pos += op.Length;
                return new FalcoCheck(field, arg, op, ParseStringValue(op), column, transformers);
            }
        }

        foreach (var op in ListOperators)
        {
            if (At(op))
            {
                pos += op.Length;
                return new FalcoCheck(field, arg, op, ParseListValue(op), column, transformers);
            }
        }

        throw Error($"expected an operator after '{FalcoFieldOperand.Render(field, arg, transformers)}' (one of {string.Join(", ", Operators)}), found '{Snippet()}'");
    }

    private FalcoOperand ParseStringValue(string op)
    {
        SkipBlanks();
        if (ParseFieldOperand() is { } other)
        {
            return other;
        }

        return new FalcoScalar(LexQuoted() ?? LexBare() ?? throw Error($"expected a value after '{op}'"));
    }

    /// <summary>
    /// A field on the right-hand side, as libsinsp's parser takes it: <c>val(field)</c> (a plain field only) or a field in
    /// transformers; null when neither is at the cursor.
    /// </summary>
    private FalcoFieldOperand? ParseFieldOperand()
    {
        if (Literal("val("))
        {
            SkipBlanks();
            var field = LexFieldName() ?? throw Error("expected a field inside 'val(…)' (val takes a field, not a transformer)");
            var arg = ParseFieldArg();
            SkipBlanks();
            if (!Literal(")"))
            {
                throw Error("expected ')' closing 'val('");
            }

            return new FalcoFieldOperand(field, arg, []);
        }

        if (LexTransformer() is { } transformer)
        {
            var (field, arg, transformers) = ParseTransformed(transformer);
            return new FalcoFieldOperand(field, arg, transformers);
        }

        return null;
    }

    private FalcoOperand ParseListValue(string op)
    {
        SkipBlanks();
        if (!At("(") && ParseFieldOperand() is { } other)
        {
            return other;
        }

        var values = new List<FalcoListValue>();
        if (Literal("("))
        {
            SkipBlanks();
            if (LexListItem() is { } first)
            {
                values.Add(first);
                SkipBlanks();
                while (Literal(","))
                {
                    SkipBlanks();
                    values.Add(LexListItem() ?? throw Error($"expected a list item after ',' in the list of '{op}'"));
                    SkipBlanks();
                }
            }

            if (!Literal(")"))
            {
                throw Error($"expected ',' or ')' in the list of '{op}', found '{Snippet()}'");
            }

            return new FalcoValueList(values);
        }

        // `in my_list` without parentheses names a list.
        if (LexIdentifier() is { } name)
        {
            return new FalcoValueList([new FalcoListValue(name, Bare: true)]);
        }

        throw Error($"expected '(' or a list name after '{op}'");
    }

    private FalcoListValue? LexListItem()
    {
        if (LexQuoted() is { } quoted)
        {
            return new FalcoListValue(quoted, Bare: false);
        }

        return LexBare() is { } bare ? new FalcoListValue(bare, Bare: true) : null;
    }

    private string? LexFieldName()
    {
        var length = FalcoFieldName.Length(text, pos);
        if (length == 0)
        {
            return null;
        }

        var name = text.Substring(pos, length);
        pos += length;
        return name;
    }

    private string? LexIdentifier()
    {
        if (pos >= text.Length || !char.IsAsciiLetter(text[pos]))
        {
            return null;
        }

        var start = pos;
        while (pos < text.Length && char.IsAsciiLetter(text[pos]))
        {
            pos++;
        }

        while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] == '_'))
        {
            pos++;
        }

        return text[start..pos];
    }

    private string? LexNumber()
    {
        // 0x… or [+-]?[0-9]+[.]?[0-9]*([eE][+-][0-9]+)?
        var start = pos;
        if (At("0x") || At("0X"))
        {
            var i = pos + 2;
            while (i < text.Length && char.IsAsciiLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i > pos + 2)
            {
                pos = i;
                return text[start..pos];
            }
        }

        var j = pos;
        if (j < text.Length && text[j] is '+' or '-')
        {
            j++;
        }

        var digits = j;
        while (j < text.Length && char.IsAsciiDigit(text[j]))
        {
            j++;
        }

        if (j == digits)
        {
            return null;
        }

        if (j < text.Length && text[j] == '.')
        {
            j++;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
            }
        }

        if (j + 2 < text.Length && text[j] is 'e' or 'E' && text[j + 1] is '+' or '-' && char.IsAsciiDigit(text[j + 2]))
        {
            j += 2;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
            }
        }

        pos = j;
        return text[start..pos];
    }

    private string? LexBare() =>
        LexWhile(c => c is not ('(' or ')' or '"' or '\'' or '=' or ',') && !char.IsWhiteSpace(c));

    private string? LexWhile(Func<char, bool> accept)
    {
        var start = pos;
        while (pos < text.Length && accept(text[pos]))
        {
            pos++;
        }

        return pos > start ? text[start..pos] : null;
    }

    /// <summary>
    /// A quoted value with libsinsp's escapes: <c>\b \f \n \r \t</c>, <c>\\</c>, <c>\/</c>, <c>\ </c>, the enclosing quote,
    /// and <c>\xHH</c> bytes (Falco 0.45), read as UTF-8. libsinsp refuses any other escape, so a regex written with
    /// <c>\d</c> or <c>\w</c> fails in Falco; taking it as the letter would load a rule that matches something else.
    /// </summary>
    private string? LexQuoted()
    {
        if (pos >= text.Length || text[pos] is not ('"' or '\''))
        {
            return null;
        }

        var delimiter = text[pos];
        var sb = new StringBuilder();
        List<byte>? bytes = null;
        for (var i = pos + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 3 < text.Length && text[i + 1] == 'x' && char.IsAsciiHexDigit(text[i + 2]) && char.IsAsciiHexDigit(text[i + 3]))
            {
                var b = byte.Parse(text.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (b == 0)
                {
                    throw ErrorAt(i, "'\\x00' is accepted only for byte buffers, and no field of the evaluated sources is one");
                }

                (bytes ??= []).Add(b);
                i += 3;
                continue;
            }

            if (bytes is { Count: > 0 })
            {
                AppendBytes(sb, bytes, i);
            }

            if (c == delimiter)
            {
                pos = i + 1;
                return sb.ToString();
            }

            if (c == '\\' && i + 1 < text.Length)
            {
                i++;
                sb.Append(text[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\b',
                    'f' => '\f',
                    '\\' or '/' or ' ' => text[i],
                    var q when q == delimiter => q,
                    var other => throw ErrorAt(i - 1, $"unsupported escape sequence '\\{other}' in a quoted string (libsinsp takes \\b \\f \\n \\r \\t \\\\ \\/ \\xHH and the enclosing quote; write a regex's \\{other} as \\\\{other})"),
                });
                continue;
            }

            sb.Append(c);
        }

        throw Error($"unterminated string starting with {delimiter}");
    }

    /// <summary>Escaped <c>\xHH</c> bytes decoded as UTF-8 text, which is all a JSON field can hold.</summary>
    private void AppendBytes(StringBuilder sb, List<byte> bytes, int end)
    {
        try
        {
            sb.Append(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]));
        }
        catch (DecoderFallbackException)
        {
            throw ErrorAt(end, $"the escaped bytes {string.Concat(bytes.Select(b => $"\\x{b:X2}"))} are not UTF-8 text, and the fields of the evaluated sources are JSON text");
        }

        bytes.Clear();
    }

    private bool Keyword(string word) => Literal(word);

    private bool Literal(string s)
    {
        if (!At(s))
        {
            return false;
        }

        pos += s.Length;
        return true;
    }

    private bool At(string s) => pos + s.Length <= text.Length && string.CompareOrdinal(text, pos, s, 0, s.Length) == 0;

    private bool SkipBlanks()
    {
        var start = pos;
        while (pos < text.Length && char.IsWhiteSpace(text[pos]))
        {
            pos++;
        }

        return pos > start;
    }

    private int Column => pos + 1;

    private string Snippet()
    {
        if (pos >= text.Length)
        {
            return "(end)";
        }

        var rest = text[pos..];
        var cut = rest.IndexOfAny(['\n', '\r']);
        if (cut >= 0)
        {
            rest = rest[..cut];
        }

        return rest.Length <= 24 ? rest : rest[..24] + "…";
    }

    private FalcoSyntaxException Error(string message) => ErrorAt(pos, message);

    private static FalcoSyntaxException ErrorAt(int at, string message) =>
        new($"{message} (column {(at + 1).ToString(CultureInfo.InvariantCulture)})", at + 1);

    private DepthGuard Enter()
    {
        if (++depth >= RuleLimits.MaxConditionDepth)
        {
            throw Error($"the condition nests deeper than {RuleLimits.MaxConditionDepth} levels");
        }

        return new DepthGuard(this);
    }

    private readonly struct DepthGuard(FalcoConditionParser owner) : IDisposable
    {
        public void Dispose() => owner.depth--;
    }
}
