namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// The IAM identity EKS writes into <c>user.extra</c> and the Entra object id AKS writes there, read as the principal, its
/// session and attributes. ORIGIN: the <c>user</c> objects follow kubernetes-sigs/aws-iam-authenticator
/// (<c>pkg/server/server.go</c>: <c>arn</c>, <c>canonicalArn</c>, <c>sessionName</c>, <c>accessKeyId</c>, <c>principalId</c>;
/// uid <c>aws-iam-authenticator:ACCOUNT:ID</c>), the EKS access-entry documentation (default user names: an IAM user's
/// ARN, <c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}}</c>), EKS audit lines in panther-labs/panther-analysis
/// tests (Apache-2.0), and kubeguard/guard (Apache-2.0: user name the UPN, else the <c>oid</c>; <c>extra.oid</c>). Accounts,
/// keys, names and addresses are invented.
/// </summary>
public sealed class CloudIdentityTests
{
    private const string Account = "111122223333";

    [Fact]
    public void Map_RoleBehindKubernetesAdmin_PrincipalIsTheRoleAndTheSessionIsInTheAttributes()
    {
        var e = MapOne("""
            {"username":"kubernetes-admin","uid":"aws-iam-authenticator:111122223333:AROAEXAMPLEADMIN0001","groups":["system:masters","system:authenticated"],
             "extra":{"accessKeyId":["ASIAEXAMPLEKEY0000A1"],"arn":["arn:aws:sts::111122223333:assumed-role/EKS-Admin/dana"],
               "canonicalArn":["arn:aws:iam::111122223333:role/EKS-Admin"],"principalId":["AROAEXAMPLEADMIN0001"],"sessionName":["dana"]}}
            """);

        Assert.Equal(("arn:aws:iam::111122223333:role/EKS-Admin", "user", Account), (e.Subject?.Id, e.Subject?.Type, e.Subject?.Tenant));
        // One AWS session drives kubectl, Lens and Terraform alike: it is no browser session to compare clients and networks of.
        Assert.Null(e.Token);
        Assert.Equal("kubernetes-admin", e.Attr("k8s.username"));
        Assert.Equal("arn:aws:sts::111122223333:assumed-role/EKS-Admin/dana", e.Attr("aws.arn"));
        Assert.Equal("arn:aws:iam::111122223333:role/EKS-Admin", e.Attr("aws.canonical_arn"));
        Assert.Equal("dana", e.Attr("aws.session_name"));
        Assert.Equal("ASIAEXAMPLEKEY0000A1", e.Attr("aws.access_key_id"));
        Assert.Equal("AROAEXAMPLEADMIN0001", e.Attr("aws.principal_id"));
        Assert.Equal(Account, e.Attr("aws.account_id"));
        Assert.Equal(["system:masters", "system:authenticated"], e.List("k8s.groups"));
    }

    [Fact]
    public void Map_TwoSessionsOfOneRoleOnTwoClusters_OnePrincipalTwoSessions()
    {
        // Access entries name the user after the session; two people (or one, twice) assuming the same role.
        var first = MapOne("""
            {"username":"arn:aws:sts::111122223333:assumed-role/Deployer/ci-4411","uid":"aws-iam-authenticator:111122223333:AROAEXAMPLEDEPLOY001",
             "extra":{"accessKeyId":["ASIAEXAMPLEKEY0000B1"],"arn":["arn:aws:sts::111122223333:assumed-role/Deployer/ci-4411"],
               "canonicalArn":["arn:aws:iam::111122223333:role/Deployer"],"sessionName":["ci-4411"]}}
            """);
        var second = MapOne("""
            {"username":"deployer","groups":["deployers"],
             "extra":{"accessKeyId":["ASIAEXAMPLEKEY0000B2"],"arn":["arn:aws:sts::111122223333:assumed-role/Deployer/ci-4412"],
               "canonicalArn":["arn:aws:iam::111122223333:role/Deployer"],"sessionName":["ci-4412"]}}
            """);

        Assert.Equal("arn:aws:iam::111122223333:role/Deployer", first.Subject?.Id);
        Assert.Equal(first.Subject?.Id, second.Subject?.Id);
        Assert.NotEqual(first.Attr("aws.access_key_id"), second.Attr("aws.access_key_id"));
        Assert.NotEqual(first.Attr("aws.arn"), second.Attr("aws.arn"));
        Assert.Equal(("ci-4411", "ci-4412"), (first.Attr("aws.session_name"), second.Attr("aws.session_name")));
    }

    [Fact]
    public void Map_IamUser_PrincipalIsTheUserWithItsOwnName()
    {
        var e = MapOne("""
            {"username":"ops-robin","uid":"aws-iam-authenticator:111122223333:AIDAEXAMPLEUSER00001","groups":["ops"],
             "extra":{"accessKeyId":["AKIAEXAMPLEKEY0000C1"],"arn":["arn:aws:iam::111122223333:user/ops/robin"],
               "canonicalArn":["arn:aws:iam::111122223333:user/ops/robin"],"principalId":["AIDAEXAMPLEUSER00001"],"sessionName":[""]}}
            """);

        Assert.Equal("arn:aws:iam::111122223333:user/ops/robin", e.Subject?.Id);
        Assert.Null(e.Token);
        Assert.Null(e.Attr("aws.session_name"));
        Assert.Equal("ops-robin", e.Attr("k8s.username"));
    }

    [Fact]
    public void Map_SsoRoleWithoutExtra_PrincipalDerivedFromTheSessionArnInTheUserName()
    {
        // An export that dropped user.extra (or an authenticator too old to write it): the access entry's user name is the
        // session's ARN, whose role is the principal.
        var e = MapOne("""
            {"username":"arn:aws-us-gov:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b/sam.lee@example.com",
             "uid":"aws-iam-authenticator:111122223333:AROAEXAMPLESSO000001","groups":["system:authenticated"]}
            """);

        Assert.Equal("arn:aws-us-gov:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b", e.Subject?.Id);
        Assert.Equal("sam.lee@example.com", e.Attr("aws.session_name"));
        Assert.Equal("arn:aws-us-gov:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b/sam.lee@example.com", e.Attr("aws.arn"));
        Assert.Equal(Account, e.Subject?.Tenant);
    }

    [Theory]
    [InlineData("system:node:ip-10-20-3-44.eu-west-1.compute.internal", "node")]
    [InlineData("eks:node-manager", "user")]
    [InlineData("system:bootstrap:abc123", "user")]
    public void Map_TheClustersOwnIdentitySigningWithASharedRole_KeepsItsNameAndGetsTheAttributes(string username, string type)
    {
        var e = MapOne("""
            {"username":"USERNAME","groups":["system:nodes"],
             "extra":{"accessKeyId":["ASIAEXAMPLEKEY0000D1"],"arn":["arn:aws:sts::111122223333:assumed-role/eks-nodes-NodeInstanceRole/i-0abc1234def567890"],
               "canonicalArn":["arn:aws:iam::111122223333:role/eks-nodes-NodeInstanceRole"],"sessionName":["i-0abc1234def567890"]}}
            """.Replace("USERNAME", username, StringComparison.Ordinal));

        Assert.Equal((username, type), (e.Subject?.Id, e.Subject?.Type));
        Assert.Null(e.Attr("k8s.username"));
        Assert.Equal("arn:aws:iam::111122223333:role/eks-nodes-NodeInstanceRole", e.Attr("aws.canonical_arn"));
    }

    [Fact]
    public void Map_RoleImpersonatingWithForgedExtra_SubjectIsTheImpersonatedUserAndTheAttributesTheImpersonator()
    {
        // Impersonate-Extra-* headers let the caller write the impersonated user's extra: it is never read as an identity.
        var e = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(Event("""
            {"username":"arn:aws:sts::111122223333:assumed-role/Support/kit","extra":{"accessKeyId":["ASIAEXAMPLEKEY0000E1"],
              "canonicalArn":["arn:aws:iam::111122223333:role/Support"],"arn":["arn:aws:sts::111122223333:assumed-role/Support/kit"]}}
            """, impersonated: """
            {"username":"lee@example.com","groups":["admins"],"extra":{"canonicalArn":["arn:aws:iam::999988887777:role/OrgAdmin"]}}
            """))).Events.Single();

        Assert.Equal(("lee@example.com", "user"), (e.Subject?.Id, e.Subject?.Type));
        Assert.Null(e.Subject?.Tenant);
        Assert.Null(e.Token);
        Assert.Equal("arn:aws:sts::111122223333:assumed-role/Support/kit", e.Attr("k8s.impersonated_by"));
        Assert.Equal("arn:aws:iam::111122223333:role/Support", e.Attr("aws.canonical_arn"));
    }

    [Theory]
    [InlineData("""{"username":"kubernetes-admin","groups":["system:masters"]}""")]
    [InlineData("""{"username":"kubernetes-admin","extra":{}}""")]
    [InlineData("""{"username":"kubernetes-admin","extra":{"canonicalArn":["EKS-Admin"],"arn":["arn:aws:sts::1234:assumed-role/x/y"]}}""")]
    [InlineData("""{"username":"kubernetes-admin","extra":{"canonicalArn":[7],"arn":null,"oid":["not-a-guid"]}}""")]
    public void Map_NoCloudIdentityInExtra_UserNameStaysThePrincipal_WhereTheSameNameWithOneIsTheRole(string user)
    {
        var e = MapOne(user);
        var withRole = MapOne("""{"username":"kubernetes-admin","extra":{"canonicalArn":["arn:aws:iam::111122223333:role/EKS-Admin"]}}""");

        Assert.Equal("arn:aws:iam::111122223333:role/EKS-Admin", withRole.Subject?.Id);
        Assert.Equal("kubernetes-admin", e.Subject?.Id);
        Assert.Null(e.Token);
        Assert.DoesNotContain(e.Attributes!.Keys, k => k.StartsWith("aws.", StringComparison.Ordinal) || k is "k8s.username" or "idp.user_id");
    }

    [Fact]
    public void Map_AksEntraUser_KeepsTheUpnAndRecordsTheObjectId_OrIsNamedByItWhenEntraSubjectsAreObjectIds()
    {
        const string user = """
            {"username":"lee.park@contoso.example","groups":["0f3c6a1e-7d2b-4c55-9e11-2a9b7c4d5e60","system:authenticated"],
             "extra":{"oid":["6a1f0c2d-3e4b-4f5a-9b8c-7d6e5f4a3b2c"]}}
            """;

        var byLogin = MapOne(user);
        var byObjectId = MapOne(user, SourceMapOptions.Default with { EntraSubjectIsUserId = true });

        Assert.Equal("lee.park@contoso.example", byLogin.Subject?.Id);
        Assert.Equal("6a1f0c2d-3e4b-4f5a-9b8c-7d6e5f4a3b2c", byLogin.Attr("idp.user_id"));
        Assert.Null(byLogin.Attr("k8s.username"));
        Assert.Equal(("6a1f0c2d-3e4b-4f5a-9b8c-7d6e5f4a3b2c", "user"), (byObjectId.Subject?.Id, byObjectId.Subject?.Type));
        Assert.Equal("lee.park@contoso.example", byObjectId.Attr("k8s.username"));
        Assert.Null(byObjectId.Token);

        // A service principal or managed identity has no UPN: Guard names it by its object id already.
        var servicePrincipal = MapOne("""{"username":"3c9e5b1a-8f2d-4a7e-b6c4-1d0e9f8a7b6c","extra":{"oid":["3c9e5b1a-8f2d-4a7e-b6c4-1d0e9f8a7b6c"]}}""",
            SourceMapOptions.Default with { EntraSubjectIsUserId = true });
        Assert.Equal("3c9e5b1a-8f2d-4a7e-b6c4-1d0e9f8a7b6c", servicePrincipal.Subject?.Id);
        Assert.Null(servicePrincipal.Attr("k8s.username"));
    }


    private static AccessEvent MapOne(string user, SourceMapOptions? options = null) =>
        MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(Event(user)), options), EventKinds.K8sAudit)[0];

    private static string Event(string user, string? impersonated = null) =>
        JsonNode.Parse($$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5b0e1c2d-0000-4000-8000-00000000c1d0",
             "stage":"ResponseComplete","requestURI":"/api/v1/namespaces/payments/secrets/ledger-db","verb":"get",
             "user":{{user}},{{(impersonated is null ? "" : $"\"impersonatedUser\":{impersonated},")}}
             "sourceIPs":["198.51.100.23"],"userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
             "objectRef":{"resource":"secrets","namespace":"payments","name":"ledger-db","apiVersion":"v1"},
             "responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T09:00:00.000000Z"}
            """)!.ToJsonString();
}
