namespace ZtStream.Verifier.Rules;

/// <summary>
/// Whom a loaded rule's matches are owed to. The Detection Rule License 1.1 (SigmaHQ's rules) asks that messages based
/// on matches keep the rule's author; Apache-2.0 rule files (Falco's) name their copyright holder in the file's header.
/// A rule's licence is, first found: its own <c>license</c> (Sigma's field, also read in a ZtStream rule), an SPDX
/// identifier or a recognised licence in its file's leading comment, or the licence file of its set — a file named
/// <c>LICENSE*</c>, <c>LICENCE*</c>, <c>COPYING*</c> or <c>DRL*</c> in the rule file's folder or the nearest folder above
/// it, up to the repository's root (a folder holding <c>.git</c>). Built-in rules are ZtStream's own and carry none.
/// </summary>
internal static partial class RuleCredits
{
    /// <summary>A licence file is read up to this size: the longest common licence text is about 11 KB.</summary>
    private const int MaxLicenseBytes = 64 * 1024;

    private static readonly string[] LicenseFilePrefixes = ["LICENSE", "LICENCE", "COPYING", "DRL"];

    /// <summary>Licences recognised by their text, with where their text is published.</summary>
    private static readonly Dictionary<string, string> Urls = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DRL-1.1"] = "https://github.com/SigmaHQ/Detection-Rule-License/blob/main/LICENSE.Detection.Rules.md",
        ["DRL-1.0"] = "https://spdx.org/licenses/DRL-1.0.html",
        ["Apache-2.0"] = "https://www.apache.org/licenses/LICENSE-2.0",
        ["MIT"] = "https://opensource.org/licenses/MIT",
    };

    /// <summary>
    /// The rules with their licences filled in where the rule gave none, and each rule's <see cref="Rule.Credits"/>: its
    /// own, then for a correlation those of the rules it correlates (a match of the correlation is made of theirs).
    /// </summary>
    public static List<Rule> Apply(List<Rule> rules, IEnumerable<RuleSource> sources)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            texts.TryAdd(source.Path, source.Text);
        }

        var files = new Dictionary<string, FileCredit>(StringComparer.Ordinal);
        var folders = new Dictionary<string, string?>(StringComparer.Ordinal);
        var result = new List<Rule>(rules.Count);
        foreach (var rule in rules)
        {
            var credited = Credited(rule);
            var credits = new List<AlertRuleCredit> { CreditOf(credited) };
            if (rule.Correlation is { } correlation)
            {
                foreach (var input in correlation.Inputs)
                {
                    if (!credits.Exists(c => c.Id == input.Rule.Id))
                    {
                        credits.Add(CreditOf(Credited(input.Rule)));
                    }
                }
            }

            result.Add(credited with { Credits = credits });
        }

        return result;

        Rule Credited(Rule rule)
        {
            var file = FileOf(rule.Origin.File);
            return rule with { License = rule.License ?? file.License, Author = rule.Author ?? file.Author };
        }

        FileCredit FileOf(string path)
        {
            if (!files.TryGetValue(path, out var credit))
            {
                var header = texts.TryGetValue(path, out var text) ? Header(text) : default;
                files[path] = credit = header with { License = header.License ?? SetLicense(path, folders) };
            }

            return credit;
        }
    }

    /// <summary>The credit a reason of <paramref name="rule"/> carries.</summary>
    public static AlertRuleCredit CreditOf(Rule rule) => new(rule.Id, rule.Title)
    {
        Author = rule.Author,
        License = rule.License,
        LicenseUrl = rule.License is { } license && Urls.TryGetValue(license, out var url) ? url : null,
        References = rule.References,
    };

    /// <summary>
    /// The licence a licence text is: <c>DRL-1.1</c> (or the version it names), <c>Apache-2.0</c>, <c>MIT</c>; else a text of
    /// one line is taken as the identifier it writes, and a longer one by its first line (a title such as "GNU GENERAL
    /// PUBLIC LICENSE").
    /// </summary>
    public static string? Recognise(string text)
    {
        if (DrlVersion().Match(text) is { Success: true } drl)
        {
            return "DRL-" + (drl.Groups["version"].Success ? drl.Groups["version"].Value : "1.1");
        }

        if (text.Contains("Apache License", StringComparison.OrdinalIgnoreCase) && text.Contains("Version 2.0", StringComparison.OrdinalIgnoreCase))
        {
            return "Apache-2.0";
        }

        if (text.Contains("MIT License", StringComparison.OrdinalIgnoreCase))
        {
            return "MIT";
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? null : Clip(lines[0].TrimStart('#', ' '));
    }

    /// <summary>What a rule file's leading comment says: an SPDX identifier or a recognised licence, and its copyright holder.</summary>
    private static FileCredit Header(string text)
    {
        var comment = new StringBuilder();
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] != '#')
            {
                break;
            }

            comment.Append(line[1..].Trim()).Append('\n');
        }

        if (comment.Length == 0)
        {
            return default;
        }

        var header = comment.ToString();
        var license = Spdx().Match(header) is { Success: true } spdx ? spdx.Groups["id"].Value
            : DrlVersion().IsMatch(header) || header.Contains("Licensed under", StringComparison.OrdinalIgnoreCase) ? Recognise(header)
            : null;
        var author = Copyright().Match(header) is { Success: true } holder ? Clip(holder.Groups["holder"].Value.TrimEnd('.', ' ')) : null;
        return new FileCredit(license, author);
    }

    /// <summary>The licence file nearest above <paramref name="path"/>'s folder, recognised; null for built-in rules and text not from a file.</summary>
    private static string? SetLicense(string path, Dictionary<string, string?> folders)
    {
        if (path.StartsWith(RuleLoader.BuiltinPrefix, StringComparison.Ordinal) || Path.GetDirectoryName(Path.GetFullPath(path)) is not { } folder)
        {
            return null;
        }

        var visited = new List<string>();
        string? license = null;
        for (var at = folder; at is not null; at = Path.GetDirectoryName(at))
        {
            if (folders.TryGetValue(at, out license))
            {
                break;
            }

            visited.Add(at);
            if (LicenseFile(at) is { } file)
            {
                license = Read(file);
                break;
            }

            if (Path.Exists(Path.Combine(at, ".git")))
            {
                break;
            }
        }

        foreach (var v in visited)
        {
            folders[v] = license;
        }

        return license;
    }

    private static string? Read(string file)
    {
        try
        {
            return Recognise(UserFiles.ReadText(file, MaxLicenseBytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable between the look and the read: the set declares no licence ZtStream could see.
            return null;
        }
    }

    private static string? LicenseFile(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        // LICENSE before DRL-1.1.md: the set's own statement of its licence comes first.
        return Directory.EnumerateFiles(folder)
            .Select(f => (Path: f, Rank: Array.FindIndex(LicenseFilePrefixes, p => Path.GetFileName(f).StartsWith(p, StringComparison.OrdinalIgnoreCase))))
            .Where(f => f.Rank >= 0 && UserFiles.ReadProblem(f.Path, "licence file", MaxLicenseBytes) is null)
            .OrderBy(f => f.Rank).ThenBy(f => f.Path, StringComparer.Ordinal)
            .Select(f => f.Path)
            .FirstOrDefault();
    }

    private static string Clip(string text) => text.Length <= 120 ? text : text[..120];

    [GeneratedRegex(@"Detection Rule License(?:\s*\(DRL\))?(?:\s*v?(?<version>\d+\.\d+))?", RegexOptions.IgnoreCase)]
    private static partial Regex DrlVersion();

    [GeneratedRegex(@"SPDX-License-Identifier:\s*(?<id>[A-Za-z0-9.+\-]+)")]
    private static partial Regex Spdx();

    [GeneratedRegex(@"Copyright\s*(?:\([cC]\)|©)?\s*(?:\d{4}(?:\s*[-–,]\s*\d{4})*)?\s*(?<holder>[^\n]+)")]
    private static partial Regex Copyright();

    private readonly record struct FileCredit(string? License, string? Author);
}
