namespace ZtStream.Responder.Isolation.Docker;

/// <summary>The Docker driver's table (component <c>responder-docker</c>).</summary>
internal sealed class DockerMigrations : IMigrationSource
{
    public const string Component = "responder-docker";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "docker isolations", """
            CREATE TABLE responder_docker_isolations (
                action_id     TEXT   NOT NULL PRIMARY KEY,
                container_id  TEXT   NOT NULL,
                networks_json TEXT   NOT NULL,
                isolated_at   {time} NOT NULL,
                released_at   {time} NULL
            );
            CREATE INDEX responder_docker_isolations_container ON responder_docker_isolations (container_id, released_at);
            """),
    ];
}
