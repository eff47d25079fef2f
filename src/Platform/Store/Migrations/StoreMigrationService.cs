namespace ZtStream.Platform.Store.Migrations;

/// <summary>
/// Migrates in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host runs for every hosted
/// service before any <c>StartAsync</c>: no worker or endpoint sees the store before its schema is current,
/// whatever order the roles were registered in.
/// </summary>
internal sealed class StoreMigrationService(StoreMigrator migrator) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
