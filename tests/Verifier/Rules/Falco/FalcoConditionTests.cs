using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Falco's condition language (falco.org "Condition syntax", "Supported operators"; libsinsp's filter parser),
/// checked on audit events written from the Kubernetes API reference.
/// </summary>
public sealed class FalcoConditionTests
{
    // A user deleting a secret in namespace "payments"; groups, annotations, a query string, a 200 response.
    private const string DeleteSecret = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5b4f0c1e-0001","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/payments/secrets/db-password?dryRun=All&propagationPolicy=Foreground",
         "verb":"delete","user":{"username":"alice@corp.example","groups":["devs","system:authenticated"]},
         "sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.1 (linux/amd64)",
         "objectRef":{"resource":"secrets","namespace":"payments","name":"db-password","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":200},
         "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"ops/payments\""}}
        """;

    // A cluster-scoped request without a namespace, denied, by a service account, no annotations, no response status.
    private const string ListNodesDenied = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5b4f0c1e-0002","stage":"ResponseComplete",
         "requestURI":"/api/v1/nodes","verb":"list","user":{"username":"system:serviceaccount:ci:builder"},
         "objectRef":{"resource":"nodes","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403}}
        """;

    [Theory]
    // or binds looser than and: "create or (delete and secrets)"
    [InlineData("ka.verb=create or ka.verb=delete and ka.target.resource=secrets", true)]
    [InlineData("(ka.verb=create or ka.verb=delete) and ka.target.resource=pods", false)]
    [InlineData("ka.verb=delete and (ka.target.resource=pods or ka.target.resource=secrets)", true)]
    [InlineData("not ka.verb=create", true)]
    [InlineData("not not ka.verb=delete", true)]
    [InlineData("not(ka.verb=delete)", false)]
    [InlineData("ka.verb=delete and(ka.target.namespace=payments)", true)]
    [InlineData("ka.verb = delete", true)]
    [InlineData("ka.verb==delete", true)]
    [InlineData("ka.verb != delete", false)]
    [InlineData("ka.verb != get", true)]
    [InlineData("ka.user.name = \"alice@corp.example\"", true)]
    [InlineData("ka.user.name = 'alice@corp.example'", true)]
    [InlineData("ka.target.namespace\n   = payments\n and\n ka.verb=delete", true)]
    public void Condition_BooleanStructure(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteSecret));

    [Theory]
    [InlineData("ka.target.namespace = payments", false)]
    [InlineData("ka.target.namespace != payments", false)]
    [InlineData("ka.target.namespace exists", false)]
    [InlineData("not ka.target.namespace exists", true)]
    [InlineData("not ka.target.namespace in (kube-system)", true)]
    [InlineData("ka.target.namespace startswith kube", false)]
    [InlineData("ka.auth.decision = allow", false)]
    [InlineData("ka.response.reason = Forbidden", true)]
    public void Condition_MissingField_ComparesFalse_ExistsTellsPresence(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), ListNodesDenied));

    [Theory]
    [InlineData("ka.uri contains /secrets/", true)]
    [InlineData("ka.uri contains \"dryRun=All\"", true)]
    [InlineData("ka.useragent icontains KUBECTL", true)]
    [InlineData("ka.useragent contains KUBECTL", false)]
    [InlineData("ka.uri startswith /api/v1/namespaces/", true)]
    [InlineData("ka.uri endswith Foreground", true)]
    [InlineData("ka.uri endswith Background", false)]
    [InlineData("ka.uri glob \"/api/v1/namespaces/*/secrets/*\"", true)]
    [InlineData("ka.uri glob \"/apis/*\"", false)]
    [InlineData("ka.user.name iglob \"ALICE@*.EXAMPLE\"", true)]
    [InlineData("ka.user.name glob \"alice@corp.exampl?\"", true)]
    [InlineData("ka.user.name glob \"[a-c]lice@*\"", true)]
    [InlineData("ka.user.name glob \"[!a]lice@*\"", false)]
    [InlineData("ka.user.name regex \"[a-z]+@corp\\\\.example\"", true)] // "\\." reaches RE2 as \.
    [InlineData("ka.user.name regex \"[a-z]+@corp\\\\.exampl\"", false)] // a full match only
    [InlineData("ka.user.name regex \"[a-z]+@corp\\\\.EXAMPLE\"", false)]
    [InlineData("ka.user.name = \"\\x61lice@corp\\x2Eexample\"", true)] // \xHH bytes (Falco 0.45)
    [InlineData("ka.uri startswith \"\\/api\\/v1\"", true)] // \/ is a slash
    [InlineData("ka.user.name = 'alice@corp.example\\t'", false)]
    [InlineData("ka.user.name regex \"alice\"", false)]
    [InlineData("ka.verb bcontains 6c6574", true)]
    [InlineData("ka.verb bstartswith 6465", true)]
    [InlineData("ka.verb bstartswith 6c65", false)]
    [InlineData("ka.auth.reason contains 'RoleBinding \"ops/payments\"'", true)]
    public void Condition_StringOperators(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteSecret));

    [Theory]
    [InlineData(DeleteSecret, "ka.response.code >= 400", false)]
    [InlineData(ListNodesDenied, "ka.response.code >= 400", true)]
    [InlineData(ListNodesDenied, "ka.response.code < 500", true)]
    [InlineData(DeleteSecret, "ka.response.code <= 200", true)]
    [InlineData(DeleteSecret, "ka.response.code > 199", true)]
    [InlineData(DeleteSecret, "ka.response.code startswith 2", true)]
    [InlineData(ListNodesDenied, "ka.response.code = 403", true)]
    [InlineData(DeleteSecret, "jevt.rawtime > 0", true)]
    [InlineData(DeleteSecret, "jevt.rawtime = 0", false)]
    public void Condition_NumericComparisons(string json, string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), json));

    [Theory]
    [InlineData("ka.verb in (get, list, delete)", true)]
    [InlineData("ka.verb in (get,list)", false)]
    [InlineData("ka.verb in ()", false)]
    [InlineData("ka.verb in (\"delete\")", true)]
    [InlineData("ka.target.namespace in (payments, \"kube system\", 'a,b')", true)]
    [InlineData("ka.verb in (destructive_verbs)", true)]
    [InlineData("ka.verb in destructive_verbs", true)]
    [InlineData("ka.verb in (all_verbs)", true)]
    [InlineData("ka.verb in (\"destructive_verbs\")", false)]
    [InlineData("ka.verb in (not_a_list)", false)]
    [InlineData("ka.verb intersects (delete)", true)]
    [InlineData("ka.verb pmatch (/api)", false)]
    public void Condition_InWithListsAndListNames(string condition, bool expected)
    {
        var rule = Rule(condition, """
            - list: destructive_verbs
              items: [delete, deletecollection]
            - list: read_verbs
              items: ["get", "list", "watch"]
            - list: all_verbs
              items: [read_verbs, destructive_verbs, create]
            """);

        Assert.Equal(expected, Matches(rule, DeleteSecret));
    }

    // A user name with non-ASCII letters: é (two UTF-8 bytes) and the Kelvin sign (three).
    private const string DeleteByCafe = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5b4f0c1e-0003","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/caf\u00e9/secrets/x","verb":"delete","user":{"username":"café-\u212aube"},
         "objectRef":{"resource":"secrets","namespace":"café","name":"x","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}
        """;

    [Theory]
    // libsinsp's glob and iglob are fnmatch (FNM_CASEFOLD for iglob) in the "C" locale: bytes, ASCII case only, as icontains.
    [InlineData("ka.user.name iglob \"CAFé-*\"", true)]
    [InlineData("ka.user.name iglob \"CAFÉ-*\"", false)]
    [InlineData("ka.user.name icontains \"CAFÉ\"", false)]
    [InlineData("ka.user.name iglob \"*-kube\"", false)] // the Kelvin sign is no k
    [InlineData("ka.user.name glob \"caf?-*\"", false)] // ? is one byte, é two
    [InlineData("ka.user.name glob \"caf??-*\"", true)]
    [InlineData("ka.user.name glob \"café-*\"", true)]
    [InlineData("ka.uri pmatch (/api/v1/namespaces/caf?/secrets)", false)]
    [InlineData("ka.uri pmatch (/api/v1/namespaces/caf*/secrets)", true)]
    public void Condition_GlobOnNonAscii_IsBytesAsInLibsinsp(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteByCafe));

    [Theory]
    // falco.org "Condition syntax": pmatch is a prefix match on whole path components, and its wildcards stay within one
    // component; glob must match the whole value.
    [InlineData("ka.target.name pmatch (db-password)", true)]
    [InlineData("ka.uri pmatch (/api/v1/namespaces/payments/secrets)", true)]
    [InlineData("ka.uri pmatch (/api/v1/namespaces/pay)", false)]
    [InlineData("ka.uri pmatch (/api/v1/namespaces/*/secrets)", true)]
    [InlineData("ka.uri pmatch (/api/*/secrets)", false)]
    [InlineData("ka.uri pmatch (/tmp, /api/v1)", true)]
    [InlineData("ka.uri glob \"/api/*\"", true)]
    [InlineData("ka.uri glob \"/api/v1\"", false)]
    [InlineData("ka.uri glob \"/api/v1/namespaces/payments/secrets/db-password?dryRun=All&propagationPolicy=Foreground\"", true)]
    public void Condition_PathOperators_AsFalcoDocumentsThem(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteSecret));

    [Theory]
    // user.groups is a list field: "in" means every value is in the set, "intersects" some value is.
    [InlineData("ka.user.groups intersects (devs)", true)]
    [InlineData("ka.user.groups intersects (admins, ops)", false)]
    [InlineData("ka.user.groups in (devs)", false)]
    [InlineData("ka.user.groups in (devs, system:authenticated, ops)", true)]
    [InlineData("ka.user.groups exists", true)]
    [InlineData("ka.user.groups = devs", true)]
    [InlineData("ka.user.groups != devs", false)]
    [InlineData("ka.user.groups != admins", true)]
    [InlineData("ka.user.groups startswith system:", true)]
    [InlineData("ka.sourceips intersects (203.0.113.7)", true)]
    [InlineData("ka.sourceips[0] = 203.0.113.7", true)]
    [InlineData("ka.sourceips[1] exists", false)]
    public void Condition_ListFields(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteSecret));

    [Fact]
    public void Condition_ListFieldMissing_NeitherInNorIntersectsNorNotEqual()
    {
        foreach (var c in new[] { "ka.user.groups in (devs)", "ka.user.groups intersects (devs)", "ka.user.groups != devs", "ka.user.groups exists" })
        {
            Assert.False(Matches(Rule(c), ListNodesDenied), c);
        }

        Assert.True(Matches(Rule("not ka.user.groups intersects (devs)"), ListNodesDenied));
    }

    [Theory]
    [InlineData("jevt.value[/annotations/authorization.k8s.io~1decision] = allow", true)]
    [InlineData("json.value[/objectRef/name] = db-password", true)]
    [InlineData("jevt.value[/user/groups/0] = devs", true)]
    [InlineData("jevt.value[/user/groups/5] exists", false)]
    [InlineData("jevt.value[/responseStatus] contains \"\\\"code\\\":200\"", true)]
    [InlineData("jevt.value[/a~1~0b] exists", false)]
    [InlineData("jevt.value[\"/objectRef/namespace\"] = payments", true)]
    [InlineData("jevt.obj contains db-password", true)]
    [InlineData("jevt.rawtime exists", true)]
    public void Condition_JsonPointers(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), DeleteSecret));

    [Fact]
    public void Condition_Macros_ExpandNestedAndDefinedInAnyOrder()
    {
        var rule = Rule("secret_change and not trusted", """
            - macro: secret_change
              condition: (secret and (kdelete or kpatch))
            - macro: kdelete
              condition: ka.verb=delete
            - macro: kpatch
              condition: ka.verb=patch
            - macro: trusted
              condition: ka.user.name in (trusted_users)
            - list: trusted_users
              items: [bob@corp.example]
            - macro: secret
              condition: ka.target.resource=secrets
            """);

        Assert.True(Matches(rule, DeleteSecret));
        Assert.False(Matches(rule, DeleteSecret.Replace("alice@corp.example", "bob@corp.example", StringComparison.Ordinal)));
        Assert.False(Matches(rule, ListNodesDenied));
    }

    [Fact]
    public void Condition_OnlyAuditEventsWithTheirRawObject_AreEvaluated()
    {
        var rule = Rule("not ka.verb = create");
        var audit = Event(DeleteSecret);
        var otherKind = new RuleEvent(audit.Event with { Kind = EventKinds.RuntimeAlert });
        var noRaw = new RuleEvent(audit.Event with { Raw = null });

        Assert.True(rule.Condition.Matches(audit));
        Assert.False(rule.Condition.Matches(otherKind));
        Assert.False(rule.Condition.Matches(noRaw));
    }

    [Fact]
    public void Condition_EventTimeIsJevtRawtime()
    {
        var rule = Rule("jevt.rawtime >= 1700000000000000000 and evt.rawtime < 1800000000000000000");

        Assert.True(rule.Condition.Matches(Event(DeleteSecret, DateTimeOffset.FromUnixTimeSeconds(1_750_000_000))));
        Assert.False(rule.Condition.Matches(Event(DeleteSecret, DateTimeOffset.FromUnixTimeSeconds(1_600_000_000))));
    }

    [Fact]
    public void Condition_CompiledOnce_IsThreadSafeAcrossEvents()
    {
        var rule = Rule("ka.verb in (delete) and ka.user.groups intersects (devs) and jevt.value[/objectRef/name] startswith db-");
        var yes = Event(DeleteSecret);
        var no = Event(ListNodesDenied);

        var results = Enumerable.Range(0, 2_000).AsParallel().Select(i => rule.Condition.Matches(i % 2 == 0 ? yes : no) == (i % 2 == 0)).ToList();

        Assert.All(results, Assert.True);
    }

    internal static Rule Rule(string condition, string prelude = "") => Single($"""
        {prelude}
        - rule: under test
          desc: a rule written for this test
          condition: >-
            {condition.Replace("\n", "\n    ", StringComparison.Ordinal)}
          output: matched (user=%ka.user.name)
          priority: WARNING
          source: k8s_audit
        """);
}
