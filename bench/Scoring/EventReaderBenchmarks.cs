using System.Text;
using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Sources.Falco;
using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// Reading events that carry the source's original object (<c>raw</c>) and source attributes — a pod create audit event
/// with its request body, and a Falco alert — with the Verifier's single-pass reader against the contract deserializer;
/// and the events most of a cluster's traffic is made of (<c>SimulatedReader</c>: 20,000 events of a simulated day of
/// 1,000 principals, as the bench sends them, without <c>raw</c>), one operation per event.
/// </summary>
[MemoryDiagnoser]
public class EventReaderBenchmarks
{
    private readonly EventReader reader = new();
    private byte[] audit = [];
    private byte[] falco = [];
    private byte[][] simulated = [];

    [GlobalSetup]
    public void Setup()
    {
        simulated = [.. new TrafficSimulator(new SimulationOptions { Principals = 1_000, Days = 1, Seed = 11, Scenarios = [] })
            .Generate().Take(SimulatedEvents).Select(s => ContractJson.Serialize(s.Event))];
        audit = ContractJson.Serialize(K8sAuditMapper.Map(Encoding.UTF8.GetBytes("""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"1b7c2d4e-0000-4000-8000-000000000001",
             "stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"create",
             "user":{"username":"system:serviceaccount:kube-system:replicaset-controller","uid":"u-1","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},
             "sourceIPs":["172.18.0.2"],"userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505/system:serviceaccount:kube-system:replicaset-controller",
             "objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},
             "requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-5c8d-","namespace":"shop","labels":{"app":"web","pod-template-hash":"5c8d"},
               "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5c8d","uid":"r-1","controller":true,"blockOwnerDeletion":true}]},
               "spec":{"serviceAccountName":"web","containers":[{"name":"web","image":"registry.local/shop/web:2.1","ports":[{"containerPort":8080,"protocol":"TCP"}],
                 "resources":{"limits":{"cpu":"500m","memory":"256Mi"}},"securityContext":{"runAsNonRoot":true,"allowPrivilegeEscalation":false}}],
                 "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}},
             "responseObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-5c8d-x2x8q","namespace":"shop","uid":"p-1"}},
             "requestReceivedTimestamp":"2026-01-07T10:00:00.000000Z","stageTimestamp":"2026-01-07T10:00:00.012345Z",
             "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:replicaset-controller\""}}
            """)).Events[0]);
        falco = ContractJson.Serialize(FalcoMapper.Map(Encoding.UTF8.GetBytes("""
            {"hostname":"node-3","output":"10:00:00.123456789: Critical A shell was spawned in a container with an attached terminal (user=root shop/web-5c8d container=3ad0c8f5e2a1 shell=bash)",
             "priority":"Critical","rule":"Terminal shell in container","source":"syscall","tags":["T1059","container","mitre_execution","shell"],"time":"2026-01-07T10:00:00.123456789Z",
             "output_fields":{"container.id":"3ad0c8f5e2a1","container.image.repository":"registry.local/shop/web","container.image.tag":"2.1","evt.time":1767780000123456789,
               "k8s.ns.name":"shop","k8s.pod.name":"web-5c8d","proc.cmdline":"bash","proc.name":"bash","proc.pname":"runc","user.name":"root"}}
            """)).Events[0]);
    }

    [Benchmark(Baseline = true)]
    public object AuditContract() => ContractJson.DeserializeEvent(audit);

    [Benchmark]
    public object AuditReader() => reader.Read(audit);

    [Benchmark]
    public object FalcoContract() => ContractJson.DeserializeEvent(falco);

    [Benchmark]
    public object FalcoReader() => reader.Read(falco);

    [Benchmark(OperationsPerInvoke = SimulatedEvents)]
    public int SimulatedReader()
    {
        var read = 0;
        foreach (var e in simulated)
        {
            read += reader.Read(e).Id.Length;
        }

        return read;
    }

    private const int SimulatedEvents = 20_000;
}
