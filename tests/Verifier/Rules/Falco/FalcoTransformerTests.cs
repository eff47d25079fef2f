using System.Buffers;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoConditionTests;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Field transformers (<c>tolower</c>, <c>toupper</c>, <c>b64</c>, <c>basename</c>, <c>len</c>; Falco 0.38+) and
/// field-to-field comparisons (<c>val()</c>; Falco 0.37+), as falco.org's "Condition syntax" page documents them and
/// libsinsp's <c>sinsp_filter_transformers/</c> implements them.
/// </summary>
public sealed class FalcoTransformerTests
{
    // An admin reading /etc/shadow through a pod's exec subresource, impersonating a lower-case account; the annotations
    // carry base64 text in the shapes Falco decodes (padded, unpadded) and refuses (a stray character, one lone char).
    private const string AdminEvent = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"7c1e-0001","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/admin-ops/pods/web-0/exec/etc/shadow","verb":"create",
         "user":{"username":"Admin-Ops","groups":["Devs","system:authenticated","Ops"]},
         "impersonatedUser":{"username":"admin-ops"},
         "objectRef":{"resource":"pods","namespace":"admin-ops","name":"","subresource":"exec","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":101},
         "annotations":{"padded":"a3ViZWN0bA==","unpadded":"a3ViZWN0bA","short":"ay4","stray":"a3ViZWN0bA=!","lone":"a",
                        "trailing":"aR","url":"a3ViZWN0bA-_","accented":"Émile-ADMIN","empty":"","nul":null}}
        """;

    [Theory]
    // falco.org's examples, on the k8s_audit fields.
    [InlineData("tolower(ka.user.name) contains \"admin\"", true)]
    [InlineData("ka.user.name contains \"admin\"", false)]
    [InlineData("toupper(ka.user.name) = ADMIN-OPS", true)]
    [InlineData("tolower(ka.user.name) = admin-ops", true)]
    [InlineData("tolower(ka.user.name) != admin-ops", false)]
    [InlineData("basename(ka.uri) = shadow", true)]
    [InlineData("basename(ka.uri) in (shadow, passwd)", true)]
    [InlineData("basename(ka.uri) pmatch (/etc)", false)]
    [InlineData("toupper(basename(ka.uri)) = SHADOW", true)]
    [InlineData("basename(toupper(ka.uri)) = SHADOW", true)]
    [InlineData("tolower(toupper(ka.user.name)) = admin-ops", true)]
    [InlineData("tolower( ka.user.name ) startswith adm", true)]
    [InlineData("tolower(ka.user.name) glob \"admin-*\"", true)]
    [InlineData("tolower(ka.user.name) regex \"admin-[a-z]+\"", true)]
    [InlineData("tolower(ka.user.name) exists", true)]
    [InlineData("not tolower(ka.impuser.name) = admin-ops", false)]
    public void Transformer_OnTheLeft_ComparesTheTransformedValue(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    // Per element on a list field, as libsinsp's string transformers run over every extracted value.
    [InlineData("tolower(ka.user.groups) intersects (ops)", true)]
    [InlineData("ka.user.groups intersects (ops)", false)]
    [InlineData("tolower(ka.user.groups) in (devs, ops, system:authenticated)", true)]
    [InlineData("toupper(ka.user.groups) in (DEVS, OPS)", false)]
    [InlineData("toupper(ka.user.groups) contains SYSTEM", true)]
    // len of a list is its number of elements.
    [InlineData("len(ka.user.groups) = 3", true)]
    [InlineData("len(ka.user.groups) > 2", true)]
    [InlineData("len(ka.user.groups) < 3", false)]
    [InlineData("len(ka.user.groups) in (1, 3)", true)]
    [InlineData("len(tolower(ka.user.groups)) = 3", true)]
    public void Transformer_OnAListField_AppliesPerElement(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    [InlineData("len(ka.user.name) = 9", true)]
    [InlineData("len(ka.user.name) >= 10", false)]
    [InlineData("len(basename(ka.uri)) = 6", true)]
    [InlineData("len(ka.target.name) = 0", true)] // the empty string is a value: length 0
    [InlineData("tolower(ka.target.name) = \"\"", true)]
    [InlineData("len(jevt.value[/annotations/empty]) = 0", true)]
    // UTF-8 bytes, as strnlen counts them: "Émile-ADMIN" is 11 characters and 12 bytes.
    [InlineData("len(jevt.value[/annotations/accented]) = 12", true)]
    public void Len_OfAString_IsItsLengthInBytes(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    // A missing field has no value to transform: every comparison is false, exists says so.
    [InlineData("tolower(ka.target.subresource) = exec", true)]
    [InlineData("tolower(ka.req.pod.host_ipc) = true", false)]
    [InlineData("tolower(ka.req.pod.host_ipc) != true", false)]
    [InlineData("len(ka.req.pod.containers.image) = 0", false)]
    [InlineData("len(ka.req.pod.containers.image) exists", false)]
    [InlineData("not len(ka.req.pod.containers.image) exists", true)]
    [InlineData("len(jevt.value[/annotations/missing]) = 0", false)]
    // JSON null is extracted as the text "null", as the k8saudit plugin does; transformers see that text.
    [InlineData("toupper(jevt.value[/annotations/nul]) = NULL", true)]
    public void Transformer_MissingOrNullField_ComparesAsFalcoDoes(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    // libsinsp's tolower/toupper map bytes through the C locale: ASCII only, so É stays É.
    [InlineData("tolower(jevt.value[/annotations/accented]) = \"Émile-admin\"", true)]
    [InlineData("tolower(jevt.value[/annotations/accented]) = \"émile-admin\"", false)]
    [InlineData("toupper(jevt.value[/annotations/accented]) = \"ÉMILE-ADMIN\"", true)]
    public void Case_Transformers_AreAsciiOnly(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    [InlineData("b64(jevt.value[/annotations/padded]) = kubectl", true)]
    [InlineData("b64(jevt.value[/annotations/unpadded]) = kubectl", true)]
    [InlineData("b64(jevt.value[/annotations/short]) = \"k.\"", true)]
    [InlineData("toupper(b64(jevt.value[/annotations/padded])) = KUBECTL", true)]
    [InlineData("len(b64(jevt.value[/annotations/padded])) = 7", true)]
    [InlineData("b64(jevt.value[/annotations/empty]) = \"\"", true)]
    // Invalid base64 leaves the field without a value: = and != are both false, exists too.
    [InlineData("b64(jevt.value[/annotations/stray]) = kubectl", false)]
    [InlineData("b64(jevt.value[/annotations/stray]) != kubectl", false)]
    [InlineData("b64(jevt.value[/annotations/stray]) exists", false)]
    [InlineData("b64(jevt.value[/annotations/lone]) exists", false)]
    [InlineData("b64(jevt.value[/annotations/trailing]) exists", false)] // leftover bits set
    [InlineData("b64(jevt.value[/annotations/url]) exists", false)] // the URL-safe alphabet is not standard base64
    [InlineData("b64(ka.user.name) exists", false)] // '-' is outside the alphabet
    public void B64_DecodesStandardBase64_AndInvalidInputHasNoValue(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Theory]
    // falco.org: "ka.target.namespace = val(ka.user.name)"-style comparisons of two fields of the same event.
    [InlineData("ka.target.namespace = val(ka.impuser.name)", true)]
    [InlineData("ka.target.namespace = val(ka.user.name)", false)]
    [InlineData("ka.target.namespace != val(ka.user.name)", true)]
    [InlineData("ka.target.namespace = tolower(ka.user.name)", true)]
    [InlineData("tolower(ka.user.name) = val(ka.target.namespace)", true)]
    [InlineData("ka.uri contains val(ka.target.namespace)", true)]
    [InlineData("ka.uri startswith val(ka.target.namespace)", false)]
    [InlineData("ka.uri endswith basename(ka.uri)", true)]
    [InlineData("ka.user.name icontains val(ka.impuser.name)", true)]
    [InlineData("ka.user.groups intersects (Ops) and ka.user.groups contains val(ka.target.subresource)", false)]
    [InlineData("len(ka.user.name) = len(ka.impuser.name)", true)]
    [InlineData("len(ka.user.groups) < len(ka.target.namespace)", true)]
    // The right-hand field missing: no operand, the check is false either way.
    [InlineData("ka.target.namespace = val(ka.req.pod.host_ipc)", false)]
    [InlineData("ka.target.namespace != val(ka.req.pod.host_ipc)", false)]
    public void Val_ComparesWithAnotherFieldOfTheEvent(string condition, bool expected) =>
        Assert.Equal(expected, Matches(Rule(condition), AdminEvent));

    [Fact]
    public void Transformers_InAMacro_AndInAList_Expand()
    {
        var rule = Rule("admin_user and basename(ka.uri) in (shadow_files)", """
            - macro: admin_user
              condition: tolower(ka.user.name) contains admin
            - list: shadow_files
              items: [shadow, gshadow]
            """);

        Assert.True(Matches(rule, AdminEvent));
        Assert.False(Matches(rule, AdminEvent.Replace("etc/shadow", "etc/hosts", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("", "", true)]
    [InlineData("TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu", "Many hands make light work.", true)]
    [InlineData("ay4=", "k.", true)]
    [InlineData("aw==", "k", true)]
    [InlineData("aw", "k", true)]
    [InlineData("a===", "", false)]
    [InlineData("a", "", false)]
    [InlineData("aw= ", "", false)]
    [InlineData("==", "", false)]
    public void DecodeBase64_MatchesLibsinspsDecoder(string input, string expected, bool ok)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(ok, FalcoTransformers.DecodeBase64(Encoding.ASCII.GetBytes(input), output));
        if (ok)
        {
            Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }
}
