namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Records in shapes each vendor documents but no other test posts (TestData/*/documented-shapes.*, ORIGIN-identity.md):
/// missing and null members, a single object where a list is usual, non-ASCII names, IPv6, link-local and IPv4-mapped
/// addresses, offsets, no fraction and nanoseconds — each posted to its endpoint as its vendor's delivery posts it, by a
/// source limited to its kinds, and logged on the principal the vendor's documentation says it names.
/// </summary>
public sealed class DocumentedShapesEndpointTests
{

    private static readonly (string Path, string Source, string File, string[] Kinds)[] Deliveries =
    [
        ("/v1/sources/entra", "entra-shapes", "entra/documented-shapes.ndjson", ["auth.*", EventKinds.IdpEvent]),
        ("/v1/sources/okta", "okta-shapes", "okta/documented-shapes.ndjson", ["auth.*"]),
        ("/v1/sources/keycloak", "keycloak-shapes", "keycloak/documented-shapes.ndjson", ["auth.*"]),
        ("/v1/sources/auth0", "auth0-shapes", "auth0/documented-shapes.ndjson", ["auth.*"]),
        ("/v1/sources/google-workspace", "gws-shapes", "google-workspace/documented-shapes.ndjson", ["auth.*", EventKinds.IdpEvent]),
        ("/v1/sources/k8s-audit", "managed-clusters", "k8s-audit/managed/documented-shapes.ndjson", [EventKinds.K8sAudit]),
        ("/v1/sources/falco", "falco-shapes", "falco/documented-shapes.jsonl", [EventKinds.RuntimeAlert]),
        ("/v1/sources/aws-cloudtrail", "cloudtrail-shapes", "aws-cloudtrail/cloudtrail-records.ndjson", [EventKinds.AccessRequest]),
        ("/v1/sources/azure-activity", "azure-activity-shapes", "azure-activity/activity-records.ndjson", [EventKinds.AccessRequest]),
        ("/v1/sources/tetragon", "tetragon-shapes", "tetragon/documented-shapes.jsonl", [EventKinds.RuntimeProcess, EventKinds.RuntimeAlert]),
    ];

    // Each record's event id → the principal (record key) it is logged on and its kind; "@address" the address twin of a
    // failure (an IPv6 address's by its /64), "@tenant" its tenant twin (the record's tenant, else the source).
    /// <summary>Ids logged twice: one Azure operation's Started and Succeeded records, each kept as an event under the operation's id.</summary>
    private static readonly string[] LoggedTwice = ["azure-bd3bdbea7ad64daa64bf6814fbd60884"];

    private static readonly Dictionary<string, (string Key, string Kind)> Expected = new(StringComparer.Ordinal)
    {
        // Entra: a PIM policy update initiated by no user or app (Azure Monitor's "identity"), a purge by Core Directory of a
        // deleted user, a Log Analytics row with InitiatedBy {"user":null,"app":null}; an offset, an IPv6 client and a
        // non-ASCII UPN; a non-interactive failure in capitals; a service principal's bad secret; a managed identity.
        ["Directory_PIM_0001"] = ("MS-PIM", EventKinds.AuthAdminChange),
        ["Directory_AUTO_0002"] = ("amara.okafor@contoso.example", EventKinds.AuthAccountChange),
        ["Directory_GBL_0003"] = ("Core Directory", EventKinds.IdpEvent),
        ["5f000000-0000-4000-8000-000000000004"] = ("zofia.wójcik@contoso.example", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000005"] = ("kim.lee@contoso.example", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000005@address"] = ("ip:198.51.100.45", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000005@tenant"] = ("tenant:7a1c0000-0000-4000-8000-00000000d001", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000006"] = ("billing-exporter", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000006@address"] = ("ip:203.0.113.90", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000006@tenant"] = ("source:entra-shapes", EventKinds.AuthLogin),
        ["5f000000-0000-4000-8000-000000000007"] = ("vm-batch-07", EventKinds.AuthLogin),

        // Okta: an unknown user's failure from IPv6; MFA with nanoseconds and non-ASCII; a lock with an offset and one target
        // object; a refresh token granted to an app with no client, its address only in ipChain; a hook delivery, outcome null.
        ["6a000000-0000-4000-8000-0000000000b1"] = ("r.iyer@acme.example", EventKinds.AuthLogin),
        ["6a000000-0000-4000-8000-0000000000b1@address"] = ("ip:2001:db8:7::/64", EventKinds.AuthLogin),
        ["6a000000-0000-4000-8000-0000000000b1@tenant"] = ("source:okta-shapes", EventKinds.AuthLogin),
        ["6a000000-0000-4000-8000-0000000000b2"] = ("josé.núñez@acme.example", EventKinds.AuthMfa),
        ["6a000000-0000-4000-8000-0000000000b3"] = ("mei.chen@acme.example", EventKinds.AuthAccountChange),
        ["6a000000-0000-4000-8000-0000000000b4"] = ("Ledger Mobile", EventKinds.AuthTokenIssued),
        ["6a000000-0000-4000-8000-0000000000b5"] = ("josé.núñez@acme.example", EventKinds.AuthCredentialChange),

        // One login in every spelling (RFC 8265, LoginNames): capitals; fullwidth letters without an actor type; a decomposed
        // name, the lock's one target object; the Kelvin sign for K. An application's alternateId (b4) stays as written.
        ["6a000000-0000-4000-8000-0000000000b6"] = ("dana.kowalski@acme.example", EventKinds.AuthLogin),
        ["6a000000-0000-4000-8000-0000000000b7"] = ("dana.kowalski@acme.example", EventKinds.AuthLogin),
        ["6a000000-0000-4000-8000-0000000000b8"] = ("zoë.müller@acme.example", EventKinds.AuthAccountChange),
        ["6a000000-0000-4000-8000-0000000000b9"] = ("katrin.berg@acme.example", EventKinds.AuthLogout),

        // Keycloak: one user typed three ways; a Java-written link-local address; UPDATE_CREDENTIAL and REMOVE_CREDENTIAL
        // (an ISO time with an offset); an admin's logout of the user (named by id in the path); a webhook body; the same
        // user typed in fullwidth letters.
        ["kc-e6000000-0000-4000-8000-0000000000c1"] = ("dana.kowalski", EventKinds.AuthLogin),
        ["kc-e6000000-0000-4000-8000-0000000000c1@address"] = ("ip:198.51.100.130", EventKinds.AuthLogin),
        ["kc-e6000000-0000-4000-8000-0000000000c1@tenant"] = ("tenant:b2c00000-0000-4000-8000-000000000001", EventKinds.AuthLogin),
        ["kc-e6000000-0000-4000-8000-0000000000c2"] = ("dana.kowalski", EventKinds.AuthLogin),
        ["kc-e6000000-0000-4000-8000-0000000000c3"] = ("dana.kowalski", EventKinds.AuthCredentialChange),
        ["kc-e6000000-0000-4000-8000-0000000000c4"] = ("dana.kowalski", EventKinds.AuthCredentialChange),
        ["kc-admin-a6000000-0000-4000-8000-0000000000c5"] = ("7a000000-0000-4000-8000-0000000000c1", EventKinds.AuthSessionRevoked),
        ["kc-w6000000-0000-4000-8000-0000000000c6"] = ("ren.tanaka@example.com", EventKinds.AuthLogin),
        ["kc-e6000000-0000-4000-8000-0000000000c7"] = ("dana.kowalski", EventKinds.AuthLogin),

        // Auth0: fp from IPv6 with an offset; fu from a dual-stack server's mapped IPv4 address, nanoseconds, whose twin
        // meets the limit_wc of that address; gd_auth_failed with a relaxed $date and non-ASCII; pwd_leak; ssa social; a
        // login in mixed case; a failure typed in capitals and decomposed (NFD).
        ["auth0-90020261130090000000000000000000000000000000000000000601"] = ("lea.mbeki@acme.example", EventKinds.AuthLogin),
        ["auth0-90020261130090000000000000000000000000000000000000000601@address"] = ("ip:2001:db8:3::/64", EventKinds.AuthLogin),
        ["auth0-90020261130090000000000000000000000000000000000000000601@tenant"] = ("tenant:acme-prod", EventKinds.AuthLogin),
        ["auth0-90020261130090100000000000000000000000000000000000000602"] = ("administrator@acme.example", EventKinds.AuthLogin),
        ["auth0-90020261130090100000000000000000000000000000000000000602@address"] = ("ip:203.0.113.201", EventKinds.AuthLogin),
        ["auth0-90020261130090100000000000000000000000000000000000000602@tenant"] = ("source:auth0-shapes", EventKinds.AuthLogin),
        ["auth0-90020261130090200000000000000000000000000000000000000603"] = ("ip:203.0.113.201", EventKinds.AuthRisk),
        ["auth0-90020261130090300000000000000000000000000000000000000604"] = ("jürgen.weiß@acme.example", EventKinds.AuthMfa),
        ["auth0-90020261130090400000000000000000000000000000000000000605"] = ("noor.haddad@acme.example", EventKinds.AuthRisk),
        ["auth0-90020261130090500000000000000000000000000000000000000606"] = ("kenji.sato@example.com", EventKinds.AuthLogin),
        ["auth0-90020261130090600000000000000000000000000000000000000607"] = ("dana.kowalski@acme.example", EventKinds.AuthLogin),
        ["auth0-90020261130090700000000000000000000000000000000000000608"] = ("zoë.müller@acme.example", EventKinds.AuthLogin),
        ["auth0-90020261130090700000000000000000000000000000000000000608@address"] = ("ip:198.51.100.81", EventKinds.AuthLogin),
        ["auth0-90020261130090700000000000000000000000000000000000000608@tenant"] = ("tenant:acme-prod", EventKinds.AuthLogin),

        // Google Workspace: a failure from IPv6 by a login in capitals, a 64-bit intValue as a number; an activity of two
        // events with an offset; a warning naming its user only as affected_email_address, microseconds, no address; a
        // robot key's Drive event.
        ["gws-login-1796043600000--7e0a000000000000001-0"] = ("noor.haddad@acme.example", EventKinds.AuthLogin),
        ["gws-login-1796043600000--7e0a000000000000001-0@address"] = ("ip:2001:db8:7e::/64", EventKinds.AuthLogin),
        ["gws-login-1796043600000--7e0a000000000000001-0@tenant"] = ("tenant:C03gw7e01", EventKinds.AuthLogin),
        ["gws-login-1796043660000--7e0a000000000000002-0"] = ("jürgen.weiß@acme.example", EventKinds.AuthMfa),
        ["gws-login-1796043660000--7e0a000000000000002-1"] = ("jürgen.weiß@acme.example", EventKinds.AuthLogin),
        ["gws-login-1796043720123--7e0a000000000000003-0"] = ("kenji.sato@acme.example", EventKinds.AuthRisk),
        ["gws-drive-1796043780000--7e0a000000000000004-0"] = ("SYSTEM", EventKinds.IdpEvent),

        // Managed clusters: EKS over CloudWatch (IPv6, a non-resource URL, a forbidden secret read, non-ASCII session name),
        // GKE (nanoseconds and a denial, an exec from inside Google, a workforce identity), AKS kube-audit-admin (an Entra UPN
        // in capitals, an offset, the log with its trailing newline; kube-audit, a Metadata read by a UPN in capitals and NFD).
        ["5d6e0000-eks6-4000-8000-000000000001"] = ("arn:aws:iam::111122223333:role/PlatformReader", EventKinds.K8sAudit),
        ["5d6e0000-eks6-4000-8000-000000000002"] = ("arn:aws:iam::111122223333:role/PlatformReader", EventKinds.K8sAudit),
        ["b6c7d8e9-gke6-0003"] = ("ci-deployer@shop-prod-4711.iam.gserviceaccount.com", EventKinds.K8sAudit),
        ["b6c7d8e9-gke6-0004"] = ("ana.souza@shop.example", EventKinds.K8sAudit),
        ["b6c7d8e9-gke6-0006"] = ("principal://iam.googleapis.com/locations/global/workforcePools/contractors/subject/ext-4471", EventKinds.K8sAudit),
        ["0a8d0000-aks6-4000-8000-000000000005"] = ("kim.lee@contoso.example", EventKinds.K8sAudit),
        ["0a8d0000-aks6-4000-8000-000000000007"] = ("zoë.müller@contoso.example", EventKinds.K8sAudit),

        // Falco and falcosidekick: output fields with nulls, numbers and lists; "host" as container; digits as evt.time;
        // a link-local peer; non-ASCII names; a dual-stack server's mapped addresses.
        ["falco-59b6bf3a38d69be00bce6d8e00fd065e"] = ("host:ip-10-0-3-18", EventKinds.RuntimeAlert),
        ["falco-925fc5e1d384d80825c251b64d19855c"] = ("shop/api-5f7d9c-x8k2p", EventKinds.RuntimeAlert),
        ["7c000000-0000-4000-8000-0000000000f2"] = ("arn:aws:iam::111122223333:role/ci-deployer", EventKinds.RuntimeAlert),
        ["7c000000-0000-4000-8000-0000000000f4"] = ("host:edge-node-04", EventKinds.RuntimeAlert),
        ["7c000000-0000-4000-8000-0000000000f5"] = ("équipe-données/outil-0", EventKinds.RuntimeAlert),
        ["7c000000-0000-4000-8000-0000000000f6"] = ("ledger/ledger-api-0", EventKinds.RuntimeAlert),

        // CloudTrail: an IAM user, assumed-role sessions (keyed by the role, as EKS keys them), the root user, a failed
        // console sign-in named by principal id alone, a service's call for a node and another account's.

        // Azure Activity Log: a user's UPN in capitals (the Entra ID adapter's principal), an operation's Started and
        // Succeeded records (one id, the operation's: logged twice, LoggedTwice), a service principal and a managed
        // identity by their application ids, a refused purge, an IPv6 caller.
        ["azure-bd3bdbea7ad64daa64bf6814fbd60884"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-81b135583d7a98e4375feba716a7627e"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-bafcc978ec7c7c6d17094bf02ae9651b"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-889b46119a0e02216b747f02d2da1db4"] = ("a7c0b000-0000-4000-8000-000000000021", EventKinds.AccessRequest),
        ["azure-54912891e2b47d88b960d9b2b4e593bd"] = ("a7c0b000-0000-4000-8000-000000000021", EventKinds.AccessRequest),
        ["azure-5b6db89682e40dfc402eea6dc761b0b9"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-c2aebcd90509088f0eca3b624c659c9c"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-3205e75f7a5986bd43c5fec87a33c85d"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-bdd7d968fa560056080240056b9ecac4"] = ("a7c0c000-0000-4000-8000-000000000031", EventKinds.AccessRequest),
        ["azure-e880ebe88a63395ecd52840237ebd951"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-14a28408c6621cf201d086ca54db8c75"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-1eb8615380667df236c7c3eb70e6d56c"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-eba9b238f80c1848659230323e0a9a22"] = ("kim.lee@contoso.example", EventKinds.AccessRequest),
        ["azure-2a1c647be34be1bf4632185baf80dc36"] = ("a7c0c000-0000-4000-8000-000000000031", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000001"] = ("arn:aws:iam::111122223333:user/alice", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000002"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000003"] = ("arn:aws:iam::111122223333:user/build-bot", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000004"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000005"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000006"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000007"] = ("arn:aws:iam::111122223333:root", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000008"] = ("AIDACKCEVSQ6C2EXAMPLE", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000009"] = ("arn:aws:iam::111122223333:role/ci-deployer", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000010"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000011"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000012"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000013"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000014"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000015"] = ("ec2.amazonaws.com", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000016"] = ("aws-account:444455556666", EventKinds.AccessRequest),
        ["c7a10000-0000-4000-8000-000000000017"] = ("arn:aws:iam::111122223333:role/Admin", EventKinds.AccessRequest),

        // Tetragon: an exec with an offset, nanoseconds, a CRI-O container id and the cluster's name; a policy's kprobe on
        // the same pod; a host's IPv6 connection.
        ["tetragon-cb0a9b0e77eecac3e891e2c7c5a585fd"] = ("ledger/ledger-api-0", EventKinds.RuntimeProcess),
        ["tetragon-9d7298206fca4a9c901fb922752f76f3"] = ("ledger/ledger-api-0", EventKinds.RuntimeAlert),
        ["tetragon-224457a57efec8884cc0669e5ecd5dc3"] = ("host:edge-node-07", EventKinds.RuntimeAlert),
    };

    [Fact]
    public async Task PostDocumentedShapesOfEveryVendor_EachLoggedOnThePrincipalItNames()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        foreach (var (path, source, file, kinds) in Deliveries)
        {
            var key = await server.AddSourceAsync(source, new SourceScope(Kinds: kinds));
            var lines = File.ReadAllLines(TestData.Path(file.Split('/'))).Where(l => l.Length > 0).ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                using var response = await server.PostAsync(path, lines[i], key, "application/x-ndjson");
                var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{file} line {i + 1}: {(int)response.StatusCode} {text}");
            }
        }

        var logged = await server.ReadLoggedAsync(Expected.Count + LoggedTwice.Length);

        Assert.Equal(
            Expected.Concat(LoggedTwice.Select(id => KeyValuePair.Create(id, Expected[id]))).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value.Key} {e.Value.Kind}"),
            logged.Select(r => $"{r.Event.GivenId()} {r.Record.Key} {r.Event.Kind}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OneLoginSpelledByEachProvider_IsOnePrincipal_AndAClusterUserNameKeepsItsCase()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("spellings");
        var bodies = new (string Path, string Body)[]
        {
            ("/v1/sources/okta", """{"uuid":"6a000000-0000-4000-8000-0000000000d1","published":"2026-11-30T10:00:00Z","eventType":"user.session.start","actor":{"id":"00u0d1e2f3A4b5C6d7e8","type":"User","alternateId":"Dana@Example.com"},"client":{"ipAddress":"198.51.100.90"},"outcome":{"result":"SUCCESS"}}"""),
            ("/v1/sources/auth0", """{"log_id":"90020261130100100000000000000000000000000000000000000d2","data":{"date":"2026-11-30T10:01:00Z","type":"s","user_id":"auth0|6a1b2c3d4e5f6071829300d2","user_name":"DANA@EXAMPLE.COM","ip":"198.51.100.90"}}"""),
            ("/v1/sources/entra", """{"time":"2026-11-30T10:02:00Z","category":"SignInLogs","resultType":"0","properties":{"id":"5f000000-0000-4000-8000-0000000000d3","createdDateTime":"2026-11-30T10:02:00Z","userPrincipalName":"\uff24\uff41\uff4e\uff41@example.com","userId":"3c000000-0000-4000-8000-0000000000d3","ipAddress":"198.51.100.90","status":{"errorCode":0}}}"""),
            ("/v1/sources/keycloak", """{"id":"e6000000-0000-4000-8000-0000000000d4","time":1796032980000,"type":"LOGIN","realmId":"acme","userId":"7a000000-0000-4000-8000-0000000000d4","ipAddress":"198.51.100.90","details":{"username":"Dana@Example.COM"}}"""),
            // A cluster whose OIDC authenticator names users by e-mail claim, as the provider wrote it; another cluster's user
            // in capitals. Kubernetes compares user names case-sensitively: the second is another user.
            ("/v1/sources/k8s-audit", """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d5000000-0000-4000-8000-0000000000d5","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ledger/pods","verb":"list","user":{"username":"dana@example.com","groups":["system:authenticated"]},"sourceIPs":["198.51.100.90"],"objectRef":{"resource":"pods","namespace":"ledger","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T10:04:00.000000Z"}"""),
            ("/v1/sources/k8s-audit", """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d6000000-0000-4000-8000-0000000000d6","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ledger/pods","verb":"list","user":{"username":"Dana@Example.com","groups":["system:authenticated"]},"sourceIPs":["198.51.100.90"],"objectRef":{"resource":"pods","namespace":"ledger","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T10:05:00.000000Z"}"""),
        };
        foreach (var (path, body) in bodies)
        {
            using var response = await server.PostAsync(path, body, key);
            await IngestAnswer.AcceptedAsync(response, 1);
        }

        var keys = (await server.ReadLoggedAsync(bodies.Length)).ToDictionary(r => r.Event.GivenId(), r => r.Record.Key);

        Assert.Equal("dana@example.com", keys["6a000000-0000-4000-8000-0000000000d1"]);
        Assert.Equal("dana@example.com", keys["auth0-90020261130100100000000000000000000000000000000000000d2"]);
        Assert.Equal("dana@example.com", keys["5f000000-0000-4000-8000-0000000000d3"]);
        Assert.Equal("dana@example.com", keys["kc-e6000000-0000-4000-8000-0000000000d4"]);
        Assert.Equal("dana@example.com", keys["d5000000-0000-4000-8000-0000000000d5"]);
        Assert.Equal("Dana@Example.com", keys["d6000000-0000-4000-8000-0000000000d6"]);
    }

    [Fact]
    public async Task PostDocumentedShapes_KeepTheirTimesAddressesAndNames()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("shapes");
        var bodies = new[]
        {
            ("/v1/sources/okta", "okta/documented-shapes.ndjson", 1), ("/v1/sources/okta", "okta/documented-shapes.ndjson", 2),
            ("/v1/sources/keycloak", "keycloak/documented-shapes.ndjson", 1), ("/v1/sources/keycloak", "keycloak/documented-shapes.ndjson", 5),
            ("/v1/sources/entra", "entra/documented-shapes.ndjson", 3), ("/v1/sources/falco", "falco/documented-shapes.jsonl", 3),
        };
        foreach (var (path, file, line) in bodies)
        {
            using var response = await server.PostAsync(path, File.ReadAllLines(TestData.Path(file.Split('/')))[line], key, "application/x-ndjson");
            await IngestAnswer.AcceptedAsync(response, 1);
        }

        var events = (await server.ReadLoggedAsync(bodies.Length)).Select(r => r.Event).ToDictionary(e => e.GivenId());

        // Nanoseconds cut to what a DateTimeOffset holds; an offset taken to UTC.
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 11, 0, TimeSpan.Zero).AddTicks(1_234_567), events["6a000000-0000-4000-8000-0000000000b2"].Time);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 12, 0, TimeSpan.Zero), events["6a000000-0000-4000-8000-0000000000b3"].Time);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 6, 0, TimeSpan.Zero), events["5f000000-0000-4000-8000-000000000004"].Time);

        // Java's link-local and loopback forms, and Falco's zoned peer, as the one text every source writes them in.
        Assert.Equal("fe80::1", events["kc-e6000000-0000-4000-8000-0000000000c2"].Network?.SrcIp);
        Assert.Equal("::1", events["kc-w6000000-0000-4000-8000-0000000000c6"].Network?.SrcIp);
        Assert.Equal(("fe80::1", "fe80::2"), (events["7c000000-0000-4000-8000-0000000000f4"].Network?.SrcIp, events["7c000000-0000-4000-8000-0000000000f4"].Network?.DstIp));

        // Non-ASCII names and places kept as written.
        Assert.Equal("Kraków", events["5f000000-0000-4000-8000-000000000004"].Attr(IdentityAttributes.GeoCity));
        Assert.Equal("São Paulo", events["6a000000-0000-4000-8000-0000000000b2"].Attr(IdentityAttributes.GeoCity));
    }
}
