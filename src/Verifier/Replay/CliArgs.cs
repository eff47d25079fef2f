using System.Globalization;

namespace ZtStream.Verifier.Replay;

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing for the Verifier's commands; collects every problem.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> named = new(StringComparer.Ordinal);

    public CliArgs(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? a[2..eq] : a[2..];
                if (flags.Contains(name))
                {
                    named[name] = null;
                }
                else if (valued.Contains(name))
                {
                    if (eq > 0)
                    {
                        named[name] = a[(eq + 1)..];
                    }
                    else if (i + 1 < args.Count)
                    {
                        named[name] = args[++i];
                    }
                    else
                    {
                        Problems.Add($"--{name} needs a value");
                    }
                }
                else
                {
                    Problems.Add($"unknown option {a}");
                }
            }
            else
            {
                Positional.Add(a);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public List<string> Problems { get; } = [];

    public bool Has(string name) => named.ContainsKey(name);

    public string? Value(string name) => named.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min, int max)
    {
        if (!named.TryGetValue(name, out var v) || v is null)
        {
            return fallback;
        }

        if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        Problems.Add($"--{name} must be a whole number from {min} to {max} (got '{v}')");
        return fallback;
    }
}
