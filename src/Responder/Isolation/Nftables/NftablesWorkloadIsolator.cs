using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ZtStream.Contracts.Commands;
using ZtStream.Responder.Drivers;
using ZtStream.Responder.Revocation;

namespace ZtStream.Responder.Isolation.Nftables;

/// <summary>
/// Quarantines a Linux workload by its network namespace: one dedicated nftables table (family inet) whose input
/// and output chains drop everything but loopback. The workload is addressed by the command's Name (else its
/// WorkloadId): <c>pid:1234</c> enters the namespace of that process (<c>nsenter --net=/proc/1234/ns/net</c>),
/// <c>netns:NAME</c> or a bare name a named namespace (<c>ip netns exec NAME</c>). The table's comment records the
/// isolating action, so a release undoes only its own isolation, and undoes it by deleting exactly that table.
/// </summary>
internal sealed partial class NftablesWorkloadIsolator(
    IProcessRunner runner,
    NftablesIsolationOptions options,
    ILogger<NftablesWorkloadIsolator> logger) : IWorkloadIsolator
{
    public const string DriverName = "nftables";

    public string Name => DriverName;

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
            if (!File.Exists($"/proc/{pid}/ns/net"))
            {
                throw new DriverFailedException(DriverName, $"no process {pid} (no /proc/{pid}/ns/net)", permanent: true);
            }

            file = options.NsenterPath;
            arguments.Add($"--net=/proc/{pid}/ns/net");
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
