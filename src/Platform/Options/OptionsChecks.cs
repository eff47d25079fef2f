namespace ZtStream.Platform.Options;

/// <summary>
/// The bounds options validators check most often, each adding one line that names the key and the value it found
/// (<c>Section:Key must be at least 1 (is 0)</c>), so every section words the same problem alike.
/// </summary>
internal static class OptionsChecks
{
    /// <summary>A count or size of at least <paramref name="min"/>.</summary>
    public static void AtLeast(this ICollection<string> problems, string key, long value, long min)
    {
        if (value < min)
        {
            problems.Add($"{key} must be at least {min} (is {value})");
        }
    }

    /// <summary>A count or size from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static void Between(this ICollection<string> problems, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{key} must be {min}–{max} (is {value})");
        }
    }

    /// <summary>A duration above zero.</summary>
    public static void Positive(this ICollection<string> problems, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key} must be positive (is {value})");
        }
    }

    /// <summary>A duration of zero or more.</summary>
    public static void NotNegative(this ICollection<string> problems, string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            problems.Add($"{key} must not be negative (is {value})");
        }
    }

    /// <summary>
    /// The name of one of a list's items, which must be given and unlike the others' (compared as
    /// <paramref name="seen"/> compares).
    /// </summary>
    public static void UniqueName(this ICollection<string> problems, string key, string? name, ISet<string> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add($"{key} is required");
        }
        else if (!seen.Add(name))
        {
            problems.Add($"{key} '{name}' is used twice");
        }
    }

    /// <summary>A count of zero or more.</summary>
    public static void NotNegative(this ICollection<string> problems, string key, long value)
    {
        if (value < 0)
        {
            problems.Add($"{key} must not be negative (is {value})");
        }
    }

    /// <summary>
    /// An address to call over HTTP (<see cref="HttpUrls.IsHttp"/>): unset is a problem only when
    /// <paramref name="required"/>.
    /// </summary>
    public static void HttpUrl(this ICollection<string> problems, string key, Uri? value, bool required = false)
    {
        if (value is null)
        {
            if (required)
            {
                problems.Add($"{key} is required");
            }
        }
        else if (!HttpUrls.IsHttp(value))
        {
            problems.Add($"{key} must be an absolute http(s) URL (got '{value}')");
        }
    }

    /// <summary>
    /// A secret given as its SHA-256 instead of itself (so the configuration does not hold it): 64 hex digits, which is
    /// what the secret is compared with.
    /// </summary>
    public static void Sha256Hex(this ICollection<string> problems, string key, string value)
    {
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
        {
            problems.Add($"{key} must be 64 hex digits (SHA-256 of the token)");
        }
    }

    /// <summary>
    /// A retry's waits (<c>Platform/Backoff</c>): the first above zero, or zero or more where
    /// <paramref name="firstMayBeZero"/>, and the longest at least as long as the first.
    /// </summary>
    public static void BackoffRange(
        this ICollection<string> problems, string firstKey, TimeSpan first, string maxKey, TimeSpan max, bool firstMayBeZero = false)
    {
        if (firstMayBeZero)
        {
            problems.NotNegative(firstKey, first);
        }
        else
        {
            problems.Positive(firstKey, first);
        }

        if (max < first)
        {
            problems.Add($"{maxKey} must be at least {firstKey} (is {max}; {firstKey} is {first})");
        }
    }
}
