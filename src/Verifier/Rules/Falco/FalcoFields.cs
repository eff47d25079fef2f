namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// A Falco field (<c>ka.*</c> from the k8saudit plugin, <c>jevt.*</c>/<c>json.*</c> from the json plugin, a few
/// <c>evt.*</c>) bound to its argument, reading the audit event's JSON the way the plugin extracts it.
/// </summary>
internal abstract class FalcoField(string text, bool isList)
{
    /// <summary>The field as written, with its argument.</summary>
    public string Text { get; } = text;

    /// <summary>List fields extract any number of values; <c>in</c> then means "all in", <c>intersects</c> "any in".</summary>
    public bool IsList { get; } = isList;

    /// <summary>
    /// Hands each value to <paramref name="test"/>. With <paramref name="all"/> false it returns true at the first
    /// accepted value; with it true it returns false at the first rejected one and true after the last.
    /// <paramref name="present"/> is whether the field had any value: a missing field (or an empty list) compares false.
    /// </summary>
    public abstract bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present);
}

/// <summary>
/// Folds the values of a list field into the visit's answer (see <see cref="FalcoField.Visit"/>):
/// <see cref="Offer"/> each value and stop when it returns true, then <see cref="Finish"/>.
/// </summary>
internal ref struct FalcoVisit(FalcoValueTest test, bool all)
{
    private int count;
    private bool decided;

    /// <summary>Tests one value; true when the answer is known and the visit can stop.</summary>
    public bool Offer(ReadOnlySpan<byte> value)
    {
        count++;
        decided = test.Test(value) != all;
        return decided;
    }

    public readonly bool Finish(out bool present)
    {
        present = count > 0;
        return decided ? !all : all && present;
    }
}

/// <summary>
/// A single-valued field found at a fixed place in the JSON. With <paramref name="nullIsMissing"/> a JSON null is no
/// value (an Okta LogEvent writes null for what it does not know); otherwise it is the text <c>null</c>, as the
/// k8saudit plugin extracts it.
/// </summary>
internal sealed class FalcoPathField(string text, FalcoRootPath path, bool nullIsMissing = false) : FalcoField(text, isList: false)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = path.TryGet(e, out var v) && !(nullIsMissing && v.ValueKind == JsonValueKind.Null);
        return present && test.Test(FalcoJson.Utf8(v));
    }
}

/// <summary>A list field read from a JSON array (each element a value), optionally one element by index.</summary>
internal sealed class FalcoArrayField(string text, FalcoRootPath path, int index) : FalcoField(text, isList: true)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!path.TryGetElements(e, out var items, index))
        {
            return false;
        }

        var visit = new FalcoVisit(test, all);
        foreach (var item in items)
        {
            if (visit.Offer(FalcoJson.Utf8(item)))
            {
                return visit.Finish(out present);
            }
        }

        return visit.Finish(out present);
    }
}

/// <summary>What a per-container list field takes from each container.</summary>
internal enum FalcoContainerValue
{
    /// <summary><c>image</c>; a container without one makes the whole field unavailable, as in the plugin.</summary>
    Image,

    /// <summary>The image up to the first ':' and then the first '@' (the plugin's split).</summary>
    Repository,

    /// <summary>A value at a path under the container; containers without it are skipped.</summary>
    Setting,

    /// <summary><c>securityContext.capabilities.add</c>, flattened to capability names.</summary>
    Capabilities,

    /// <summary>Each port's <c>hostPort</c>, else its <c>containerPort</c>.</summary>
    HostPort,

    /// <summary>The container's security-context id, else the pod's, else 0.</summary>
    EffectiveId,
}

/// <summary>A list field over <c>requestObject.spec.containers</c> (or <c>initContainers</c>, <c>ephemeralContainers</c>).</summary>
internal sealed class FalcoContainerField : FalcoField
{
    private static readonly byte[] Zero = "0"u8.ToArray();

    private readonly FalcoRootPath containers;
    private readonly FalcoContainerValue kind;
    private readonly FalcoJsonPath? setting;
    private readonly FalcoRootPath? podSetting;
    private readonly int index;

    public FalcoContainerField(string text, FalcoSlots slots, string list, FalcoContainerValue kind, string[]? setting, int index)
        : base(text, isList: true)
    {
        containers = slots.Path("requestObject", "spec", list);
        this.kind = kind;
        this.index = index;
        this.setting = kind switch
        {
            FalcoContainerValue.Image or FalcoContainerValue.Repository => FalcoJsonPath.Of("image"),
            FalcoContainerValue.Capabilities => FalcoJsonPath.Of("securityContext", "capabilities", "add"),
            FalcoContainerValue.HostPort => FalcoJsonPath.Of("ports"),
            FalcoContainerValue.EffectiveId => FalcoJsonPath.Of(["securityContext", .. setting!]),
            _ => new FalcoJsonPath(setting!),
        };
        podSetting = kind == FalcoContainerValue.EffectiveId ? slots.Path(["requestObject", "spec", "securityContext", .. setting!]) : null;
    }

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!containers.TryGetElements(e, out var selected, index))
        {
            return false;
        }

        if (kind is FalcoContainerValue.Image or FalcoContainerValue.Repository && !EveryContainerHasImage(selected))
        {
            return false;
        }

        ReadOnlySpan<byte> podId = Zero;
        if (podSetting is not null && podSetting.TryGet(e, out var pod))
        {
            podId = FalcoJson.Utf8(pod);
        }

        var visit = new FalcoVisit(test, all);
        foreach (var container in selected)
        {
            var found = setting!.TryGet(container, out var v);
            switch (kind)
            {
                case FalcoContainerValue.Repository:
                    if (visit.Offer(Repository(FalcoJson.Utf8(v))))
                    {
                        return visit.Finish(out present);
                    }

                    break;
                case FalcoContainerValue.EffectiveId:
                    if (visit.Offer(found ? FalcoJson.Utf8(v) : podId))
                    {
                        return visit.Finish(out present);
                    }

                    break;
                case FalcoContainerValue.Capabilities or FalcoContainerValue.HostPort when found && v.ValueKind == JsonValueKind.Array:
                    foreach (var item in v.EnumerateArray())
                    {
                        var value = item;
                        if (kind == FalcoContainerValue.HostPort
                            && !(item.ValueKind == JsonValueKind.Object && (item.TryGetProperty("hostPort"u8, out value) || item.TryGetProperty("containerPort"u8, out value))))
                        {
                            continue;
                        }

                        if (visit.Offer(FalcoJson.Utf8(value)))
                        {
                            return visit.Finish(out present);
                        }
                    }

                    break;
                case FalcoContainerValue.Image or FalcoContainerValue.Setting when found:
                    if (visit.Offer(FalcoJson.Utf8(v)))
                    {
                        return visit.Finish(out present);
                    }

                    break;
            }
        }

        return visit.Finish(out present);
    }

    /// <summary>The plugin's <c>strings.Split(strings.Split(image, ":")[0], "@")[0]</c>.</summary>
    public static ReadOnlySpan<byte> Repository(ReadOnlySpan<byte> image)
    {
        var colon = image.IndexOf((byte)':');
        if (colon >= 0)
        {
            image = image[..colon];
        }

        var at = image.IndexOf((byte)'@');
        return at >= 0 ? image[..at] : image;
    }

    /// <summary>The plugin fails the whole field when a (selected) container has no image.</summary>
    private static bool EveryContainerHasImage(FalcoElements selected)
    {
        foreach (var c in selected)
        {
            if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("image"u8, out _))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>ka.req.role.rules.{verbs,resources,apiGroups,nonResourceURLs}</c>: the named array of every rule, flattened.</summary>
internal sealed class FalcoRoleRulesField(string text, FalcoSlots slots, string key, int index) : FalcoField(text, isList: true)
{
    private readonly FalcoRootPath rules = slots.Path("requestObject", "rules");
    private readonly byte[] key = Encoding.UTF8.GetBytes(key);

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!this.rules.TryGetElements(e, out var rules, index))
        {
            return false;
        }

        var visit = new FalcoVisit(test, all);
        foreach (var rule in rules)
        {
            if (rule.ValueKind != JsonValueKind.Object || !rule.TryGetProperty(key, out var values) || values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var v in values.EnumerateArray())
            {
                if (visit.Offer(FalcoJson.Utf8(v)))
                {
                    return visit.Finish(out present);
                }
            }
        }

        return visit.Finish(out present);
    }
}

/// <summary>Per-volume list fields of <c>requestObject.spec.volumes</c>: a value at a path, or the volume's type keys.</summary>
internal sealed class FalcoVolumeField(string text, FalcoSlots slots, string[]? path, int index) : FalcoField(text, isList: true)
{
    private readonly FalcoRootPath volumesPath = slots.Path("requestObject", "spec", "volumes");
    private readonly FalcoJsonPath? path = path is null ? null : new FalcoJsonPath(path);

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!volumesPath.TryGetElements(e, out var volumes, index))
        {
            return false;
        }

        var visit = new FalcoVisit(test, all);
        foreach (var volume in volumes)
        {
            if (path is not null)
            {
                if (!path.TryGet(volume, out var v))
                {
                    continue;
                }

                if (visit.Offer(FalcoJson.Utf8(v)))
                {
                    return visit.Finish(out present);
                }

                continue;
            }

            if (volume.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            // The volume's type is the name of its source key (hostPath, secret, emptyDir …): every key but "name".
            foreach (var p in volume.EnumerateObject())
            {
                if (p.NameEquals("name"u8))
                {
                    continue;
                }

                if (visit.Offer(Encoding.UTF8.GetBytes(p.Name)))
                {
                    return visit.Finish(out present);
                }
            }
        }

        return visit.Finish(out present);
    }
}

/// <summary><c>ka.req.binding.subjects.*_names</c>: the names (or namespace:name) of the binding's subjects of one kind.</summary>
internal sealed class FalcoBindingSubjectsField(string text, FalcoSlots slots, string kind, bool withNamespace) : FalcoField(text, isList: true)
{
    private readonly FalcoRootPath subjectsPath = slots.Path("requestObject", "subjects");
    private readonly byte[] kind = Encoding.UTF8.GetBytes(kind);

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        if (!subjectsPath.TryGetElements(e, out var subjects))
        {
            return false;
        }

        var visit = new FalcoVisit(test, all);
        foreach (var s in subjects)
        {
            if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("kind"u8, out var k) || k.ValueKind != JsonValueKind.String
                || !k.ValueEquals(kind) || !s.TryGetProperty("name"u8, out var name))
            {
                continue;
            }

            var value = FalcoJson.Utf8(name);
            if (withNamespace)
            {
                var ns = s.TryGetProperty("namespace"u8, out var nsElement) ? FalcoJson.Text(nsElement) : "";
                value = Encoding.UTF8.GetBytes($"{ns}:{Encoding.UTF8.GetString(value)}");
            }

            if (visit.Offer(value))
            {
                return visit.Finish(out present);
            }
        }

        return visit.Finish(out present);
    }
}

/// <summary>A single-valued field computed from the event rather than read from one place.</summary>
internal sealed class FalcoComputedField(string text, FalcoComputedField.Compute compute) : FalcoField(text, isList: false)
{
    /// <summary>Writes the value into <paramref name="buffer"/> (or returns it as a new array) or returns false when unavailable.</summary>
    public delegate bool Compute(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array);

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        Span<byte> buffer = stackalloc byte[64];
        present = compute(e, buffer, out var written, out var array);
        return present && (array is not null ? test.Test(array) : test.Test(buffer[..written]));
    }
}

/// <summary>Field names, their argument rules, the source whose plugin defines each, and how each binds to an extractor.</summary>
internal static partial class FalcoFieldCatalog
{
    private enum Arg
    {
        None,
        Index,
        Required,

        /// <summary>A number, required (the okta plugin's <c>countlast[seconds]</c>).</summary>
        RequiredIndex,
    }

    /// <param name="Source">The source whose plugin defines the field; null for the json plugin's and the generic <c>evt.*</c> fields.</param>
    private sealed record Spec(Arg Arg, Func<string, string?, int, FalcoSlots, FalcoField> Bind, FalcoSource? Source = null)
    {
        /// <summary>For a field every source has whose value depends on the rule's source (<c>evt.source</c>, the json plugin's fields): binds it for that source.</summary>
        public Func<string, string?, FalcoSlots, FalcoSource, FalcoField>? BindFor { get; init; }

        /// <summary>A field of <paramref name="source"/>'s plugin, without an argument, computed from the event's record.</summary>
        public static Spec Computed(FalcoSource source, Func<FalcoSlots, FalcoComputedField.Compute> compute) =>
            new(Arg.None, (t, _, _, slots) => new FalcoComputedField(t, compute(slots)), source);

        /// <summary>A field of <paramref name="source"/>'s plugin: the member at <paramref name="path"/>, a null member no value.</summary>
        public static Spec PluginPath(FalcoSource source, params string[] path) =>
            new(Arg.None, (t, _, _, slots) => new FalcoPathField(t, slots.Path(path), nullIsMissing: true), source);
    }

    private const string JsonPluginPrefix = "json.";
    private const string JsonAliasPrefix = "jevt.";

    private static readonly byte[] True = "true"u8.ToArray();
    private static readonly byte[] False = "false"u8.ToArray();

    private static readonly Dictionary<string, Spec> Fields = Build();

    /// <summary>Every supported field name (for the documentation and error messages).</summary>
    public static IReadOnlyCollection<string> Names => Fields.Keys;

    public static bool IsKnown(string name) => Fields.ContainsKey(name);

    /// <summary>Binds <paramref name="name"/>[<paramref name="arg"/>] for a rule of <paramref name="source"/> or explains why it cannot be.</summary>
    public static FalcoField Bind(string name, string? arg, FalcoSlots slots, FalcoSource source)
    {
        if (Unsupported.TryGetValue(name, out var why))
        {
            throw new FalcoCompileException($"field '{name}' is not supported: {why}");
        }

        // A policy's call has its own evt.* and fd.* fields (FalcoSyscallCallFields.cs).
        if (source.Call is { } call && BindCall(name, arg, call, source.Result!) is { } callField)
        {
            return callField;
        }

        // A libsinsp field the exec record cannot give is named as such; for another source, it is a syscall field.
        if (NotCarried(name) is { } notCarried)
        {
            throw source.Family == FalcoSource.Syscall
                ? new FalcoNotCarriedException(name, notCarried)
                : new FalcoCompileException($"field '{name}' is {FalcoSource.Syscall.AField}, read from {FalcoSource.Syscall.Describes}: a rule of source {source.Name} cannot use it");
        }

        if (!Fields.TryGetValue(name, out var spec))
        {
            var other = Fields.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            throw new FalcoCompileException($"unknown field '{name}' (not {(source.Plugin is null ? source.AField : source.APlugin + " or json plugin field")}){(other is null ? "" : $"; field names are case-sensitive: did you mean '{other}'?")}");
        }

        if (spec.Source is { } owner && owner != source.Family)
        {
            throw new FalcoCompileException($"field '{name}' is {owner.AField}, read from {owner.Describes}: a rule of source {source.Name} cannot use it");
        }

        var text = arg is null ? name : $"{name}[{arg}]";
        switch (spec.Arg)
        {
            case Arg.None when arg is not null:
                throw new FalcoCompileException($"field '{name}' takes no argument, got '{text}'");
            case Arg.Required when string.IsNullOrEmpty(arg):
                throw new FalcoCompileException($"field '{name}' needs an argument, e.g. {name}[…]");
            case Arg.RequiredIndex when string.IsNullOrEmpty(arg):
                throw new FalcoCompileException($"field '{name}' needs a number argument, e.g. {name}[300]");
            case Arg.Index or Arg.RequiredIndex when arg is not null && !(int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out _)):
                throw new FalcoCompileException($"field '{name}' takes an index argument (a number), got '{text}'");
        }

        if (source.Plugin is null && (name.StartsWith(JsonPluginPrefix, StringComparison.Ordinal) || name.StartsWith(JsonAliasPrefix, StringComparison.Ordinal)))
        {
            throw new FalcoCompileException($"field '{name}' is a json plugin field, which reads a plugin's event: a rule of source {source.Name} reads system calls");
        }

        if (spec.BindFor is { } bindFor)
        {
            return bindFor(text, arg, slots, source);
        }

        var index = spec.Arg is Arg.Index or Arg.RequiredIndex && arg is not null ? int.Parse(arg, CultureInfo.InvariantCulture) : -1;
        return spec.Bind(text, arg, index, slots);
    }

    private static Dictionary<string, Spec> Build()
    {
        var f = new Dictionary<string, Spec>(StringComparer.Ordinal);

        var k8s = FalcoSource.K8sAudit;
        void Path(string name, params string[] path) => f[name] = new Spec(Arg.None, (t, _, _, slots) => new FalcoPathField(t, slots.Path(path)), k8s);
        void Array(string name, Arg arg, params string[] path) => f[name] = new Spec(arg, (t, _, i, slots) => new FalcoArrayField(t, slots.Path(path), i), k8s);
        void Computed(string name, Arg arg, Func<string?, FalcoSlots, FalcoComputedField.Compute> compute, FalcoSource? source = null) =>
            f[name] = new Spec(arg, (t, a, _, slots) => new FalcoComputedField(t, compute(a, slots)), source ?? k8s);

        // k8saudit plugin (plugins/k8saudit/pkg/k8saudit/extract.go).
        Path("ka.auditid", "auditID");
        Path("ka.stage", "stage");
        Path("ka.auth.decision", "annotations", "authorization.k8s.io/decision");
        Path("ka.auth.reason", "annotations", "authorization.k8s.io/reason");
        Path("ka.user.name", "user", "username");
        Array("ka.user.groups", Arg.None, "user", "groups");
        Path("ka.impuser.name", "impersonatedUser", "username");
        Path("ka.verb", "verb");
        Path("ka.uri", "requestURI");
        Computed("ka.uri.param", Arg.Required, UriParam);
        Path("ka.target.name", "objectRef", "name");
        Path("ka.target.namespace", "objectRef", "namespace");
        Path("ka.target.resource", "objectRef", "resource");
        Path("ka.target.subresource", "objectRef", "subresource");
        Array("ka.req.binding.subjects", Arg.None, "requestObject", "subjects");
        f["ka.req.binding.subjects.user_names"] = new Spec(Arg.None, (t, _, _, slots) => new FalcoBindingSubjectsField(t, slots, "User", false), k8s);
        f["ka.req.binding.subjects.group_names"] = new Spec(Arg.None, (t, _, _, slots) => new FalcoBindingSubjectsField(t, slots, "Group", false), k8s);
        f["ka.req.binding.subjects.serviceaccount_names"] = new Spec(Arg.None, (t, _, _, slots) => new FalcoBindingSubjectsField(t, slots, "ServiceAccount", false), k8s);
        f["ka.req.binding.subjects.serviceaccount_ns_names"] = new Spec(Arg.None, (t, _, _, slots) => new FalcoBindingSubjectsField(t, slots, "ServiceAccount", true), k8s);
        Path("ka.req.binding.role", "requestObject", "roleRef", "name");

        // Deprecated; the plugin answers "true" whatever the argument.
        Computed("ka.req.binding.subject.has_name", Arg.Required, (_, _) => Constant(True));
        Path("ka.req.configmap.name", "objectRef", "name");
        Path("ka.req.configmap.obj", "requestObject", "data");

        foreach (var (prefix, list) in new[] { ("ka.req.pod.containers", "containers"), ("ka.req.pod.initContainers", "initContainers"), ("ka.req.pod.ephemeralContainers", "ephemeralContainers") })
        {
            void Container(string suffix, FalcoContainerValue kind, params string[] setting) =>
                f[$"{prefix}.{suffix}"] = new Spec(Arg.Index, (t, _, i, slots) => new FalcoContainerField(t, slots, list, kind, setting, i), k8s);

            Container("image", FalcoContainerValue.Image);
            Container("image.repository", FalcoContainerValue.Repository);
            Container("name", FalcoContainerValue.Setting, "name");
            Container("privileged", FalcoContainerValue.Setting, "securityContext", "privileged");
            Container("allow_privilege_escalation", FalcoContainerValue.Setting, "securityContext", "allowPrivilegeEscalation");
            Container("read_only_fs", FalcoContainerValue.Setting, "securityContext", "readOnlyRootFilesystem");
            Container("run_as_user", FalcoContainerValue.Setting, "securityContext", "runAsUser");
            Container("run_as_group", FalcoContainerValue.Setting, "securityContext", "runAsGroup");
            Container("eff_run_as_user", FalcoContainerValue.EffectiveId, "runAsUser");
            Container("eff_run_as_group", FalcoContainerValue.EffectiveId, "runAsGroup");
            Container("proc_mount", FalcoContainerValue.Setting, "securityContext", "procMount");
            Container("add_capabilities", FalcoContainerValue.Capabilities);
            Container("host_port", FalcoContainerValue.HostPort);
        }

        Computed("ka.req.container.image", Arg.None, (_, slots) => FirstContainer(slots, repository: false));
        Computed("ka.req.container.image.repository", Arg.None, (_, slots) => FirstContainer(slots, repository: true));
        Path("ka.req.pod.host_ipc", "requestObject", "spec", "hostIPC");
        Path("ka.req.pod.host_network", "requestObject", "spec", "hostNetwork");
        Path("ka.req.container.host_network", "requestObject", "spec", "hostNetwork");
        Path("ka.req.pod.host_pid", "requestObject", "spec", "hostPID");
        Computed("ka.req.container.privileged", Arg.None, (_, slots) => AnyContainerPrivileged(slots));
        Path("ka.req.pod.run_as_user", "requestObject", "spec", "securityContext", "runAsUser");
        Path("ka.req.pod.run_as_group", "requestObject", "spec", "securityContext", "runAsGroup");
        Path("ka.req.pod.fs_group", "requestObject", "spec", "securityContext", "fsGroup");
        Array("ka.req.pod.supplemental_groups", Arg.None, "requestObject", "spec", "securityContext", "supplementalGroups");
        Array("ka.req.role.rules", Arg.None, "requestObject", "rules");
        foreach (var key in new[] { "apiGroups", "nonResourceURLs", "verbs", "resources" })
        {
            f[$"ka.req.role.rules.{key}"] = new Spec(Arg.Index, (t, _, i, slots) => new FalcoRoleRulesField(t, slots, key, i), k8s);
        }

        Path("ka.req.service.type", "requestObject", "spec", "type");
        Array("ka.req.service.ports", Arg.Index, "requestObject", "spec", "ports");
        f["ka.req.pod.volumes.hostpath"] = new Spec(Arg.Index, (t, _, i, slots) => new FalcoVolumeField(t, slots, ["hostPath", "path"], i), k8s);
        f["ka.req.pod.volumes.flexvolume_driver"] = new Spec(Arg.Index, (t, _, i, slots) => new FalcoVolumeField(t, slots, ["flexVolume", "driver"], i), k8s);
        f["ka.req.pod.volumes.volume_type"] = new Spec(Arg.Index, (t, _, i, slots) => new FalcoVolumeField(t, slots, null, i), k8s);
        Computed("ka.req.volume.hostpath", Arg.Required, VolumeHostPath);
        Path("ka.resp.name", "responseObject", "metadata", "name");
        Path("ka.response.code", "responseStatus", "code");
        Path("ka.response.reason", "responseStatus", "reason");
        Path("ka.useragent", "userAgent");
        Array("ka.sourceips", Arg.Index, "sourceIPs");

        // json plugin (plugins/json): jevt.* are its backward-compatible aliases.
        foreach (var p in new[] { "json", "jevt" })
        {
            f[$"{p}.value"] = new Spec(Arg.Required, Unbound) { BindFor = (t, a, slots, source) => new FalcoPathField(t, slots.Pointer(a!, source)) };
            f[$"{p}.obj"] = new Spec(Arg.None, Unbound)
            {
                // A source whose record is a member of Raw (a Cloud Audit Logs entry) gives that member's JSON text.
                BindFor = (t, _, slots, source) => source.EntryMember is { } entry ? new FalcoPathField(t, slots.Path(entry)) : new FalcoComputedField(t, WholeObject),
            };
            f[$"{p}.rawtime"] = new Spec(Arg.None, (t, _, _, _) => new FalcoComputedField(t, RawTime));
        }

        // Generic event fields every Falco source has (evt.source gives the rule's own).
        void Generic(string name, FalcoComputedField.Compute compute) => f[name] = new Spec(Arg.None, (t, _, _, _) => new FalcoComputedField(t, compute));
        Generic("evt.rawtime", RawTime);
        Generic("evt.time", Time("HH:mm:ss.fffffff"));
        Generic("evt.datetime", Time("yyyy-MM-dd HH:mm:ss.fffffff"));
        Generic("evt.time.iso8601", Time("yyyy-MM-dd'T'HH:mm:ss.fffffff", "Z"));
        f["evt.source"] = new Spec(Arg.None, Unbound) { BindFor = (t, _, _, source) => new FalcoComputedField(t, Constant(source.NameUtf8)) };
        f["evt.num"] = new Spec(Arg.None, (t, _, _, slots) =>
        {
            slots.UseEventNumber();
            return new FalcoComputedField(t, (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
            {
                array = null;
                return slots.EventNumber(e).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
            });
        });

        // A plugin event's summary: the plugin's field with the "info" property, which ZtStream gives for cloudtrail (ct.info).
        f["evt.plugininfo"] = new Spec(Arg.None, Unbound)
        {
            BindFor = (t, _, slots, source) => source == FalcoSource.AwsCloudTrail
                ? new FalcoComputedField(t, CloudTrailInfo(slots))
                : throw new FalcoCompileException($"field 'evt.plugininfo' is not supported for source {source.Name}: ZtStream gives it for aws_cloudtrail rules only (the cloudtrail plugin's ct.info)"),
        };
        AddOkta(f);
        AddGcpAudit(f);
        AddCloudTrail(f);
        AddSyscall(f);
        return f;
    }

    private static FalcoField Unbound(string text, string? arg, int index, FalcoSlots slots) =>
        throw new InvalidOperationException($"field '{text}' is bound for its rule's source");

    private static FalcoComputedField.Compute Constant(byte[] value) => (in FalcoEvent _, Span<byte> _, out int written, out byte[]? array) =>
    {
        written = 0;
        array = value;
        return true;
    };

    private static bool WholeObject(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        written = 0;
        array = e.Root.ValueKind == JsonValueKind.Undefined ? null : Encoding.UTF8.GetBytes(e.Root.GetRawText());
        return array is not null;
    }

    private static bool RawTime(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        array = null;
        var ns = (e.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return ns.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
    }

    /// <summary>The event time in UTC, to the nanosecond as Falco prints it (.NET time has 100 ns ticks).</summary>
    private static FalcoComputedField.Compute Time(string format, string suffix = "") =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            array = null;
            if (!e.Time.UtcDateTime.TryFormat(buffer, out written, format, CultureInfo.InvariantCulture)
                || !Encoding.UTF8.TryGetBytes("00" + suffix, buffer[written..], out var tail))
            {
                return false;
            }

            written += tail;
            return true;
        };

    private static FalcoComputedField.Compute FirstContainer(FalcoSlots slots, bool repository) =>
        Derived(slots.Path("requestObject", "spec", "containers", "0", "image"), image =>
        {
            var bytes = FalcoJson.Utf8(image);
            return (repository ? FalcoContainerField.Repository(bytes) : bytes).ToArray();
        });

    /// <summary>A value computed from the one at <paramref name="path"/>; <paramref name="derive"/> returns null when it has none.</summary>
    private static FalcoComputedField.Compute Derived(FalcoRootPath path, Func<JsonElement, byte[]?> derive) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = path.TryGet(e, out var value) ? derive(value) : null;
            return array is not null;
        };

    /// <summary>
    /// "true" when an element of the array at <paramref name="path"/> is one <paramref name="match"/> accepts, "false" when
    /// none is, and no value when there is no array.
    /// </summary>
    private static FalcoComputedField.Compute AnyElement(FalcoRootPath path, Func<JsonElement, bool> match) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (!path.TryGetElements(e, out var elements))
            {
                return false;
            }

            array = False;
            foreach (var element in elements)
            {
                if (match(element))
                {
                    array = True;
                    break;
                }
            }

            return true;
        };

    private static FalcoComputedField.Compute AnyContainerPrivileged(FalcoSlots slots) =>
        AnyElement(slots.Path("requestObject", "spec", "containers"), c =>
            c.ValueKind == JsonValueKind.Object && c.TryGetProperty("securityContext"u8, out var sc) && sc.ValueKind == JsonValueKind.Object
            && sc.TryGetProperty("privileged"u8, out var p) && p.ValueKind == JsonValueKind.True);

    /// <summary><c>ka.req.volume.hostpath[/path]</c> (deprecated): "true" when a volume uses that host path, or one under it when the argument ends with '*'.</summary>
    private static FalcoComputedField.Compute VolumeHostPath(string? arg, FalcoSlots slots)
    {
        var prefix = arg!.EndsWith('*');
        var wanted = Encoding.UTF8.GetBytes(prefix ? arg[..^1] : arg);
        var hostPath = FalcoJsonPath.Of("hostPath", "path");
        return AnyElement(slots.Path("requestObject", "spec", "volumes"), v =>
        {
            if (!hostPath.TryGet(v, out var p))
            {
                return false;
            }

            var path = FalcoJson.Utf8(p);
            return prefix ? path.StartsWith(wanted) : path.SequenceEqual(wanted);
        });
    }

    /// <summary><c>ka.uri.param[key]</c>: the first value of that query parameter, decoded as Go's url.ParseQuery does.</summary>
    private static FalcoComputedField.Compute UriParam(string? key, FalcoSlots slots)
    {
        var uriPath = slots.Path("requestURI");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (!uriPath.TryGet(e, out var uriElement))
            {
                return false;
            }

            var uri = FalcoJson.Text(uriElement);
            var q = uri.IndexOf('?', StringComparison.Ordinal);
            if (q < 0)
            {
                return false;
            }

            var fragment = uri.IndexOf('#', q);
            var query = fragment < 0 ? uri[(q + 1)..] : uri[(q + 1)..fragment];
            foreach (var pair in query.Split('&'))
            {
                if (pair.Length == 0)
                {
                    continue;
                }

                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Unescape(eq < 0 ? pair : pair[..eq]);
                if (name != key)
                {
                    continue;
                }

                var value = eq < 0 ? "" : Unescape(pair[(eq + 1)..]);
                if (value is null)
                {
                    return false;
                }

                array = Encoding.UTF8.GetBytes(value);
                return true;
            }

            return false;
        };
    }

    /// <summary>Query unescaping: '+' is a space, %XX a byte; a malformed escape makes the value unavailable.</summary>
    private static string? Unescape(string s)
    {
        if (s.IndexOfAny(['%', '+']) < 0)
        {
            return s;
        }

        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%')
            {
                if (i + 2 >= s.Length || !byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
