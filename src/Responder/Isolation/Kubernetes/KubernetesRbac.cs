namespace ZtStream.Responder.Isolation.Kubernetes;

/// <summary>
/// The least privilege the Kubernetes driver needs: read and label pods, create, read and delete NetworkPolicies.
/// Bind it per namespace (Role) or cluster-wide (ClusterRole) to the Responder's service account.
/// </summary>
internal static class KubernetesRbac
{
    public const string ClusterRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: ztstream-responder-quarantine
        rules:
          - apiGroups: [""]
            resources: ["pods"]
            verbs: ["get", "patch"]
          - apiGroups: ["networking.k8s.io"]
            resources: ["networkpolicies"]
            verbs: ["get", "create", "delete"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: ztstream-responder-quarantine
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: ztstream-responder-quarantine
        subjects:
          - kind: ServiceAccount
            name: ztstream-responder
            namespace: ztstream
        """;
}
