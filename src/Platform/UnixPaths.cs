namespace ZtStream.Platform;

/// <summary>Absolute POSIX paths as the kernel resolves them.</summary>
internal static class UnixPaths
{
    /// <summary>
    /// <paramref name="path"/>, absolute, with empty and <c>.</c> segments dropped, each <c>..</c> taking its parent (none
    /// above the root) and no trailing slash; the path itself when it already is that form.
    /// </summary>
    public static string Normalize(string path)
    {
        if (IsNormal(path))
        {
            return path;
        }

        var kept = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "..")
            {
                if (kept.Count > 0)
                {
                    kept.RemoveAt(kept.Count - 1);
                }
            }
            else if (segment != ".")
            {
                kept.Add(segment);
            }
        }

        return "/" + string.Join('/', kept);
    }

    /// <summary>Whether <paramref name="path"/> already is the form <see cref="Normalize"/> writes.</summary>
    public static bool IsNormal(string path) =>
        path == "/"
        || (path.StartsWith('/') && !path.EndsWith('/') && !path.Contains("//", StringComparison.Ordinal)
            && !path.Contains("/./", StringComparison.Ordinal) && !path.EndsWith("/.", StringComparison.Ordinal)
            && !path.Contains("/../", StringComparison.Ordinal) && !path.EndsWith("/..", StringComparison.Ordinal));
}
