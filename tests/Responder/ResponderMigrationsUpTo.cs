namespace ZtStream.Responder.Tests;

/// <summary>The Responder's migrations up to <paramref name="version"/>: a store as an older release left it.</summary>
internal sealed class ResponderMigrationsUpTo(int version) : IMigrationSource
{
    public IEnumerable<Migration> Migrations => new ResponderMigrations().Migrations.Where(m => m.Version <= version);
}
