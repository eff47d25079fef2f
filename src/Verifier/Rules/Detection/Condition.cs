namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// Sigma's condition grammar over named selections: <c>and</c>, <c>or</c>, <c>not</c>, parentheses, <c>1 of PATTERN</c>,
/// <c>all of PATTERN</c> (PATTERN with <c>*</c> wildcards, or <c>them</c> for every selection not starting with
/// <c>_</c>). Precedence from loosest: or, and, not, x of, parentheses. Aggregations after a pipe (<c>| count() …</c>,
/// deprecated in Sigma) and <c>near</c> are rejected by name.
/// </summary>
internal static class Condition
{
    public static Node Parse(string text, IReadOnlyDictionary<string, Node> selections)
    {
        var pipe = text.IndexOf('|', StringComparison.Ordinal);
        if (pipe >= 0)
        {
            throw new RuleFormatException(
                $"condition '{Shown(text)}': the aggregation expression '{text[pipe..].Trim()}' is not supported (deprecated in Sigma; write a ZtStream rule with an aggregation instead)");
        }

        var parser = new Parser(Tokenize(text), text, selections);
        var node = parser.Expression();
        if (!parser.AtEnd)
        {
            throw new RuleFormatException(string.Equals(parser.Current, "near", StringComparison.OrdinalIgnoreCase)
                ? $"condition '{Shown(text)}': 'near' is not supported (deprecated in Sigma)"
                : $"condition '{Shown(text)}': unexpected '{parser.Current}'");
        }

        return node;
    }

    /// <summary>A condition as quoted in an error: a 100 KB condition must not make a 100 KB message.</summary>
    private static string Shown(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c is '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')'))
            {
                i++;
            }

            tokens.Add(text[start..i]);
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens, string text, IReadOnlyDictionary<string, Node> selections)
    {
        private int position;
        private int depth;

        public bool AtEnd => position >= tokens.Count;

        public string Current => AtEnd ? "(end)" : tokens[position];

        public Node Expression()
        {
            using var guard = Enter();
            var parts = new List<Node> { And() };
            while (Accept("or"))
            {
                parts.Add(And());
            }

            return parts.Count == 1 ? parts[0] : new AnyOf([.. parts]);
        }

        private Node And()
        {
            var parts = new List<Node> { Unary() };
            while (Accept("and"))
            {
                parts.Add(Unary());
            }

            return parts.Count == 1 ? parts[0] : new AllOf([.. parts]);
        }

        private Node Unary()
        {
            if (Accept("not"))
            {
                using var guard = Enter();
                return new NotNode(Unary());
            }

            return Primary();
        }

        private Node Primary()
        {
            if (AtEnd)
            {
                throw Error("ends where a selection name, 'not', '(' or 'x of' was expected");
            }

            var token = tokens[position++];
            if (token == "(")
            {
                var inner = Expression();
                if (!Accept(")"))
                {
                    throw Error("'(' without ')'");
                }

                return inner;
            }

            if (token == ")")
            {
                throw Error("')' without '('");
            }

            if (!AtEnd && Is(tokens[position], "of"))
            {
                position++;
                if (AtEnd)
                {
                    throw Error($"'{token} of' needs a selection pattern or 'them'");
                }

                var target = tokens[position++];
                var matched = Matching(target);
                return token switch
                {
                    "1" => matched.Count == 1 ? matched[0] : new AnyOf([.. matched]),
                    _ when Is(token, "all") => matched.Count == 1 ? matched[0] : new AllOf([.. matched]),
                    _ => throw Error($"'{token} of' is not supported (only '1 of' and 'all of')"),
                };
            }

            if (Is(token, "near") || Is(token, "and") || Is(token, "or") || Is(token, "of"))
            {
                throw Error($"'{token}' is not expected here");
            }

            return selections.TryGetValue(token, out var node)
                ? node
                : throw Error($"'{token}' is not a selection of this detection (selections: {string.Join(", ", selections.Keys)})");
        }

        private List<Node> Matching(string target)
        {
            var result = new List<Node>();
            foreach (var (name, node) in selections)
            {
                if (Is(target, "them") ? !name.StartsWith('_') : Wildcard(target, name))
                {
                    result.Add(node);
                }
            }

            return result.Count > 0 ? result : throw Error($"no selection matches '{target}'");
        }

        private static bool Wildcard(string pattern, string name)
        {
            var p = TextPattern.Compile(pattern, cased: true);
            return p.Test(new Leaf(LeafKind.String, name, default), null!);
        }

        private bool Accept(string word)
        {
            if (!AtEnd && Is(tokens[position], word))
            {
                position++;
                return true;
            }

            return false;
        }

        private static bool Is(string token, string word) => string.Equals(token, word, StringComparison.OrdinalIgnoreCase);

        private RuleFormatException Error(string message) => new($"condition '{Shown(text)}': {message}");

        private DepthGuard Enter() =>
            ++depth > RuleLimits.MaxConditionDepth
                ? throw Error($"the condition nests deeper than {RuleLimits.MaxConditionDepth} levels (parentheses and 'not')")
                : new DepthGuard(this);

        private readonly struct DepthGuard(Parser owner) : IDisposable
        {
            public void Dispose() => owner.depth--;
        }
    }
}
