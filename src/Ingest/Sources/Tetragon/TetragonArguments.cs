namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// Tetragon's <c>arguments</c> back into argv[1..] joined by spaces, as libsinsp's <c>proc.args</c> and Sysmon for Linux's
/// <c>CommandLine</c> write them. Tetragon's <c>ArgsDecoder</c> (cilium/tetragon, <c>pkg/process</c>) joins the
/// arguments with a space and writes one holding a space as <c> "arg"</c> — a blank and the argument between double
/// quotes, so a first such argument starts the string with a blank — which argv does not hold. The only place ZtStream
/// takes that quoting off: the mapper writes the result (<c>proc.args</c>, <c>tetragon.parent_args</c>) and every rule
/// format reads it there.
/// </summary>
internal static class TetragonArguments
{
    /// <summary>
    /// A quoted argument is one that starts an argument with <c>"</c>, holds a space and ends with <c>"</c> before a space
    /// or the end; any other quote is the argument's own. An argument holding both a quote and a space is ambiguous in
    /// Tetragon's text and read so.
    /// </summary>
    public static string Decode(string arguments)
    {
        if (!arguments.Contains('"', StringComparison.Ordinal))
        {
            return arguments;
        }

        var s = arguments.StartsWith(" \"", StringComparison.Ordinal) ? arguments[1..] : arguments;
        var argv = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            if (i > 0)
            {
                argv.Append(' ');
            }

            if (s[i] == '"')
            {
                var close = s.IndexOf("\" ", i + 1, StringComparison.Ordinal);
                if (close < 0 && s[^1] == '"')
                {
                    close = s.Length - 1;
                }

                if (close > i + 1 && s.AsSpan(i + 1, close - i - 1).Contains(' '))
                {
                    argv.Append(s, i + 1, close - i - 1);
                    i = close + 2;
                    continue;
                }
            }

            var end = s.IndexOf(' ', i);
            end = end < 0 ? s.Length : end;
            argv.Append(s, i, end - i);
            i = end + 1;
        }

        return argv.ToString();
    }
}
