using System.Globalization;

namespace ZtStream.Platform;

/// <summary>
/// Durations as rule and policy files write them: a number and a unit (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>,
/// fractions allowed) or a TimeSpan with colons (<c>00:15:00</c>, <c>1.00:00:00</c>).
/// </summary>
internal static class Durations
{
    /// <summary>The longest duration accepted: ten years, far beyond any window, TTL or expiry that makes sense.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>
    /// Reads <paramref name="text"/>; on failure <paramref name="problem"/> says why, in words that follow the text
    /// (<c>is not a duration (e.g. 90s, 15m, 1h, 2d)</c>).
    /// </summary>
    /// <remarks>
    /// A bare number is refused: <see cref="TimeSpan.TryParse(string, IFormatProvider, out TimeSpan)"/> reads <c>10</c>
    /// as ten days, so a Sigma correlation's <c>timespan: 10</c> meant as seconds or minutes loaded as days. NaN,
    /// infinity and spans a TimeSpan cannot hold (<c>99999999d</c>) would throw; they are a problem like any other.
    /// </remarks>
    public static bool TryParse(string text, out TimeSpan value, out string? problem)
    {
        text = text.Trim();
        value = default;
        problem = null;
        if (text.Length > 1 && char.IsLetter(text[^1]) && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            double? seconds = text[^1] switch
            {
                's' => n,
                'm' => n * 60,
                'h' => n * 3600,
                'd' => n * 86400,
                _ => null,
            };
            if (seconds is { } s)
            {
                if (!(Math.Abs(s) <= Max.TotalSeconds))
                {
                    problem = $"is not a duration of at most {Max.TotalDays:0} days";
                    return false;
                }

                value = TimeSpan.FromSeconds(s);
                return true;
            }
        }
        else if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            if (span.Duration() > Max)
            {
                problem = $"is not a duration of at most {Max.TotalDays:0} days";
                return false;
            }

            value = span;
            return true;
        }

        problem = "is not a duration (e.g. 90s, 15m, 1h, 2d)";
        return false;
    }
}
