using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using ZtStream.Platform;

namespace ZtStream.Responder.Policy;

/// <summary>Reads the response policy YAML (see docs/response.md), collecting every problem instead of stopping at the first.</summary>
internal static class PolicyLoader
{
    private static readonly string[] KnownActions =
        [ActionKinds.RevokeToken, ActionKinds.RevokeSubjectSessions, ActionKinds.IsolateWorkload, ActionKinds.Notify];

    private static readonly string[] KnownModes = [ResponseModes.Automatic, ResponseModes.Approval, ResponseModes.DryRun];

    /// <summary>Parses <paramref name="yaml"/>; returns null and adds to <paramref name="errors"/> when it is not valid.</summary>
    public static ResponsePolicy? Load(string yaml, List<string> errors, string where = "policy")
    {
        PolicyDocument? doc;
        try
        {
            doc = Parse(yaml);
        }
        catch (YamlException ex)
        {
            errors.Add($"{where}: line {YamlErrors.Line(ex)}: {YamlErrors.Reason(ex)}");
            return null;
        }

        doc ??= new PolicyDocument();
        // `rules:` with no value: no rules, as if the key were left out.
        doc.Rules ??= [];
        var before = errors.Count;
        var rules = new List<PolicyRule>();
        var ruleNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Rules.Count; i++)
        {
            var r = doc.Rules[i];
            var at = $"{where}: rules[{i}]";
            if (r is null)
            {
                errors.Add($"{at}: is empty; a rule needs name, action and mode.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(r.Name))
            {
                errors.Add($"{at}: name is required.");
            }
            else if (!ruleNames.Add(r.Name))
            {
                errors.Add($"{at}: name '{r.Name}' is used twice.");
            }

            var severity = r.Severity ?? Severities.Low;
            if (Severities.Rank(severity) < 0)
            {
                errors.Add($"{at}: severity must be low, medium, high or critical, not '{severity}'.");
            }

            if (r.Action is null || !KnownActions.Contains(r.Action))
            {
                errors.Add($"{at}: action must be one of {string.Join(", ", KnownActions)}, not '{r.Action}'.");
            }

            if (r.Mode is null || !KnownModes.Contains(r.Mode))
            {
                errors.Add($"{at}: mode must be one of {string.Join(", ", KnownModes)}, not '{r.Mode}'.");
            }

            var (detector, rule) = Target(r);
            CheckNames(detector, rule, at, errors);
            rules.Add(new PolicyRule(r.Name ?? "", detector, rule, severity, r.Action ?? "", r.Mode ?? "", r.RequireEvidenceScope));
        }

        var budgetDoc = doc.Budget ?? new BudgetDocument();
        var window = PositiveDuration(budgetDoc.Window, $"{where}: budget.window", ResponsePolicy.DefaultBudget.Window, errors);
        var budget = new BlastRadiusBudget(
            budgetDoc.MaxAutomatic ?? ResponsePolicy.DefaultBudget.MaxAutomatic,
            budgetDoc.MaxAutomaticPerNamespace ?? ResponsePolicy.DefaultBudget.MaxAutomaticPerNamespace,
            window);
        if (budget.MaxAutomatic < 0)
        {
            errors.Add($"{where}: budget.max_automatic must be 0 or more (0 sends every action to approval).");
        }

        if (budget.MaxAutomaticPerNamespace < 0)
        {
            errors.Add($"{where}: budget.max_automatic_per_namespace must be 0 or more.");
        }

        var ttl = PositiveDuration(doc.Isolation?.DefaultTtl, $"{where}: isolation.default_ttl", ResponsePolicy.DefaultIsolationTtl, errors);
        var expiry = PositiveDuration(doc.Approval?.ExpiresAfter, $"{where}: approval.expires_after", ResponsePolicy.DefaultApprovalExpiry, errors);

        foreach (var (key, list) in new[] { ("subjects", doc.Protected?.Subjects), ("workloads", doc.Protected?.Workloads) })
        {
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                if (string.IsNullOrEmpty(list[i]))
                {
                    // It would protect nothing while reading as if it protected someone.
                    errors.Add($"{where}: protected.{key}[{i}] is empty.");
                }
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new ResponsePolicy(
            rules,
            doc.Protected?.Subjects ?? [],
            doc.Protected?.Workloads ?? [],
            budget,
            ttl,
            expiry,
            doc.DryRun,
            doc.RequireEvidenceScope ?? true);
    }

    /// <summary>
    /// The detection rules (detector <c>rule</c>) the rules of the policy in <paramref name="yaml"/> name, by index. Read
    /// from a policy with other problems too, so that one naming a rule that is not loaded is said beside them
    /// (Host/Run/PolicyRuleCheck); none from text that is no YAML, whose problem <see cref="Load"/> says.
    /// </summary>
    public static IEnumerable<(int Index, string Rule)> DetectionRules(string yaml)
    {
        PolicyDocument? doc;
        try
        {
            doc = Parse(yaml);
        }
        catch (YamlException)
        {
            yield break;
        }

        for (var i = 0; doc?.Rules is { } rules && i < rules.Count; i++)
        {
            if (rules[i] is { } r && Target(r) is (Detectors.Rule, { } id))
            {
                yield return (i, id);
            }
        }
    }

    /// <summary>Loads a file known to be valid (options validation ran first).</summary>
    public static ResponsePolicy LoadFile(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return ResponsePolicy.Default;
        }

        var errors = new List<string>();
        return Load(UserFiles.ReadText(path), errors, $"policy '{path}'")
            ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>The longest duration a policy may give: ten years, far beyond any window, TTL or expiry that makes sense.</summary>
    internal static readonly TimeSpan MaxDuration = Durations.Max;

    /// <summary>A duration that must be positive: as <paramref name="text"/> gives it, else <paramref name="fallback"/>.</summary>
    private static TimeSpan PositiveDuration(string? text, string key, TimeSpan fallback, List<string> errors)
    {
        var value = Duration(text, key, errors) ?? fallback;
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be positive.");
        }

        return value;
    }

    /// <summary><c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, or a TimeSpan such as <c>00:15:00</c>.</summary>
    internal static TimeSpan? Duration(string? text, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Durations.TryParse(text, out var value, out var problem))
        {
            return value;
        }

        errors.Add($"{key}: '{text.Trim()}' {problem}.");
        return null;
    }

    /// <summary>
    /// A rule naming a detector or rule the Verifier never emits would never fire, silently: refuse it, listing what is
    /// valid (the names come from <see cref="AlertRules"/>).
    /// </summary>
    private static void CheckNames(string? detector, string? rule, string at, List<string> errors)
    {
        if (detector == Detectors.Rule)
        {
            // Detection rules are named by their own ids, loaded (and reloaded) by the Verifier; where the Verifier runs
            // in the same process, `ztstream run` checks them against the rules it loaded (Host/Run/PolicyRuleCheck).
            return;
        }

        if (detector == Detectors.Runtime && rule is not null && !AlertRules.IsEmitted(detector, rule))
        {
            // Besides its own rules, the runtime detector names a reason after the Falco rule that fired, which only the
            // Falco deployment knows.
            return;
        }

        if (detector is not null && !AlertRules.ByDetector.ContainsKey(detector))
        {
            errors.Add($"{at}: detector '{detector}' is not one the Verifier emits; valid detectors: {string.Join(", ", AlertRules.ByDetector.Keys)}, {Detectors.Rule}.");
            return;
        }

        if (rule is null || AlertRules.IsEmitted(detector, rule))
        {
            return;
        }

        var valid = detector is null
            ? string.Join("; ", AlertRules.ByDetector.Select(d => $"{d.Key}: {string.Join(", ", d.Value)}"))
            : string.Join(", ", AlertRules.ByDetector[detector]);
        errors.Add($"{at}: rule '{rule}' is not one the Verifier emits{(detector is null ? "" : $" for detector {detector}")}; valid rules: {valid}{(detector is null ? $"; a detection rule is named with detector: {Detectors.Rule} or as {Detectors.Rule}/<id>" : "")}.");
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static PolicyDocument? Parse(string yaml) =>
        // A key given twice is refused, not resolved: `mode: approval` then `mode: automatic` must not act unasked.
        new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithDuplicateKeyChecking()
            .Build()
            .Deserialize<PolicyDocument?>(yaml);

    /// <summary>The detector and rule a policy rule matches on, blank ones as none.</summary>
    private static (string? Detector, string? Rule) Target(RuleDocument r)
    {
        var (detector, rule) = (Blank(r.Detector), Blank(r.Rule));
        if (detector is null && rule is not null && rule.StartsWith(Detectors.Rule + "/", StringComparison.Ordinal))
        {
            // rule/<id>: a detection rule's id, the form a suppression scope names it in.
            (detector, rule) = (Detectors.Rule, rule[(Detectors.Rule.Length + 1)..]);
        }

        return (detector, rule);
    }

    // YamlDotNet binds by reflection onto settable properties; these stay private to the loader.
    private sealed class PolicyDocument
    {
        public bool DryRun { get; set; }
        public bool? RequireEvidenceScope { get; set; }
        public List<RuleDocument> Rules { get; set; } = [];
        public ProtectedDocument? Protected { get; set; }
        public BudgetDocument? Budget { get; set; }
        public IsolationDocument? Isolation { get; set; }
        public ApprovalDocument? Approval { get; set; }
    }

    private sealed class RuleDocument
    {
        public string? Name { get; set; }
        public string? Detector { get; set; }
        public string? Rule { get; set; }
        public string? Severity { get; set; }
        public string? Action { get; set; }
        public string? Mode { get; set; }
        public bool? RequireEvidenceScope { get; set; }
    }

    private sealed class ProtectedDocument
    {
        public List<string> Subjects { get; set; } = [];
        public List<string> Workloads { get; set; } = [];
    }

    private sealed class BudgetDocument
    {
        public int? MaxAutomatic { get; set; }
        public int? MaxAutomaticPerNamespace { get; set; }
        public string? Window { get; set; }
    }

    private sealed class IsolationDocument
    {
        public string? DefaultTtl { get; set; }
    }

    private sealed class ApprovalDocument
    {
        public string? ExpiresAfter { get; set; }
    }
}
