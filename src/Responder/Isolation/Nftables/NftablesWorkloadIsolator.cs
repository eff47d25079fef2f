using System.Text.RegularExpressions;

namespace ZtStream.Responder.Isolation.Nftables;

/// <summary>
/// Quarantines a Linux workload by its network namespace: one dedicated nftables table (family inet) whose input
/// and output chains drop everything but loopback. The workload is addressed by the command's Name (else its
/// WorkloadId): <c>pid:1234</c> enters the namespace of that process (<c>nsenter --net=/proc/1234/ns/net</c>),
/// <c>netns:NAME</c> or a bare name a named namespace (<c>ip netns exec NAME</c>). Only what can be a workload's own
/// namespace is accepted: never init's (pid 1), the host's or the Responder's own, which a quarantine would cut off. The table's comment records the
/// isolating action, so a release undoes only its own isolation, and undoes it by deleting exactly that table.
/// </summary>
internal sealed partial class NftablesWorkloadIsolator(
    IProcessRunner runner,
    NftablesIsolationOptions options,
    ILogger<NftablesWorkloadIsolator> logger) : IWorkloadIsolator
{
    public const string DriverName = "nftables";

    public string Name => DriverName;

    public IsolatorClusters Clusters { get; } = options.Reach();

    public async Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken)
    {
        var target = Resolve(command.Name ?? command.WorkloadId);
        var owner = await CurrentOwnerAsync(target, cancellationToken);
        if (owner is not null)
        {
            var who = owner == command.ActionId.ToString("N") ? "this action" : $"action {owner}";
            return new DriverResult(false, $"nftables: {target} is already quarantined by {who} (table inet {options.TableName} exists)");
        }

        var script = string.Create(CultureInfo.InvariantCulture, $$"""
            table inet {{options.TableName}} {
                comment "ztstream {{command.ActionId:N}}"
                chain input {
                    type filter hook input priority -300; policy drop;
                    iif "lo" accept
                }
                chain output {
                    type filter hook output priority -300; policy drop;
                    oif "lo" accept
                }
            }

            """);
        await RunNftAsync(target, ["-f", "-"], script, "add the quarantine table", cancellationToken);
        DriverLog.NftablesIsolated(logger, command.ActionId, target.ToString(), options.TableName);
        return new DriverResult(true, $"nftables: added table inet {options.TableName} in {target}: drops all input and output except loopback");
    }

    public async Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken)
    {
        var target = Resolve(command.Name ?? command.WorkloadId);
        var owner = await CurrentOwnerAsync(target, cancellationToken);
        if (owner is null)
        {
            return new DriverResult(false, $"nftables: {target} is already released (no table inet {options.TableName})");
        }

        var ours = command.IsolationActionId.ToString("N");
        if (owner != ours && owner != "")
        {
            return new DriverResult(false, $"nftables: the quarantine in {target} belongs to action {owner}, not {ours}; left in place");
        }

        await RunNftAsync(target, ["delete", "table", "inet", options.TableName], null, "delete the quarantine table", cancellationToken);
        DriverLog.NftablesReleased(logger, command.ActionId, target.ToString(), options.TableName);
        return new DriverResult(true, $"nftables: deleted table inet {options.TableName} in {target}");
    }

    /// <summary>The isolating action id from the table's comment; "" for a table without one; null when there is no table.</summary>
    private async Task<string?> CurrentOwnerAsync(NetnsTarget target, CancellationToken cancellationToken)
    {
        var tables = await RunNftAsync(target, ["list", "tables", "inet"], null, "list tables", cancellationToken);
        var exists = tables.Stdout.Split('\n', StringSplitOptions.TrimEntries)
            .Any(line => line == $"table inet {options.TableName}");
        if (!exists)
        {
            return null;
        }

        var table = await RunNftAsync(target, ["list", "table", "inet", options.TableName], null, "read the quarantine table", cancellationToken);
        var match = OwnerComment().Match(table.Stdout);
        return match.Success ? match.Groups[1].Value : "";
    }

    private async Task<ProcessResult> RunNftAsync(
        NetnsTarget target,
        IReadOnlyList<string> nftArguments,
        string? stdin,
        string what,
        CancellationToken cancellationToken)
    {
        string file;
        var arguments = new List<string>();
        if (target.Pid is { } pid)
        {
            var netns = Path.Combine(options.ProcDirectory, pid.ToString(CultureInfo.InvariantCulture), "ns", "net");
            if (!File.Exists(netns))
            {
                throw new DriverFailedException(DriverName, $"no process {pid} (no {netns})", permanent: true);
            }

            if (HostNamespaceOf(pid, options.ProcDirectory) is { } host)
            {
                throw new DriverFailedException(DriverName, $"process {pid} is in {host}: quarantining it would cut the host off, so only a process in a network namespace of its own is a workload", permanent: true);
            }

            file = options.NsenterPath;
            arguments.Add($"--net={netns}");
            arguments.Add(options.NftPath);
        }
        else
        {
            if (!File.Exists(Path.Combine(options.NetnsDirectory, target.Netns!)))
            {
                throw new DriverFailedException(DriverName, $"no network namespace '{target.Netns}' in {options.NetnsDirectory}", permanent: true);
            }

            file = options.IpPath;
            arguments.AddRange(["netns", "exec", target.Netns!, options.NftPath]);
        }

        arguments.AddRange(nftArguments);
        ProcessResult result;
        try
        {
            result = await runner.RunAsync(file, arguments, stdin, options.CommandTimeout, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new DriverFailedException(DriverName, $"{what} in {target}: {exception.Message}", permanent: false, exception);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new DriverFailedException(DriverName, $"{what} in {target}: cannot run {file}: {exception.Message}", permanent: true, exception);
        }

        if (!result.Succeeded)
        {
            throw new DriverFailedException(DriverName, $"{what} in {target} failed (exit {result.ExitCode}): {result.Stderr}", permanent: false);
        }

        return result;
    }

    /// <summary>
    /// Which host network namespace process <paramref name="pid"/> shares ("the host's network namespace" for init's,
    /// "the Responder's own network namespace" for ours), or null when its namespace is another one. Namespaces are
    /// compared by their <c>/proc/PID/ns/net</c> link (<c>net:[inode]</c>); one that cannot be read is taken as the
    /// host's, since a quarantine that might cut the host off is not tried.
    /// </summary>
    internal static string? HostNamespaceOf(int pid, string proc)
    {
        static string? Link(string path)
        {
            try
            {
                // The raw link text, "net:[inode]": the namespace's identity whichever process path it is read through.
                return new FileInfo(path).LinkTarget is { Length: > 0 } link ? link : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        if (pid == 1)
        {
            return "the host's network namespace (it is init)";
        }

        var target = Link(Path.Combine(proc, pid.ToString(CultureInfo.InvariantCulture), "ns", "net"));
        if (target is null)
        {
            return "a network namespace that cannot be read";
        }

        if (Link(Path.Combine(proc, "1", "ns", "net")) == target)
        {
            return "the host's network namespace";
        }

        return Link(Path.Combine(proc, "self", "ns", "net")) == target ? "the Responder's own network namespace" : null;
    }

    internal static NetnsTarget Resolve(string address)
    {
        if (address.StartsWith("pid:", StringComparison.Ordinal))
        {
            return int.TryParse(address.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? new NetnsTarget(null, pid)
                : throw new DriverFailedException(DriverName, $"'{address}' is not pid:<number>", permanent: true);
        }

        var name = address.StartsWith("netns:", StringComparison.Ordinal) ? address[6..] : address;
        // ip netns names are file names in /run/netns: no path tricks.
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new DriverFailedException(DriverName, $"'{address}' is not a network namespace name", permanent: true);
        }

        return new NetnsTarget(name, null);
    }

    [GeneratedRegex("comment \"ztstream ([0-9a-f]{32})\"", RegexOptions.CultureInvariant)]
    private static partial Regex OwnerComment();

    internal sealed record NetnsTarget(string? Netns, int? Pid)
    {
        public override string ToString() => Pid is { } pid ? $"the network namespace of process {pid}" : $"network namespace {Netns}";
    }
}
