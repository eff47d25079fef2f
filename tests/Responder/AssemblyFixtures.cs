// One RabbitMQ broker and one PostgreSQL server for the whole assembly; each test takes a virtual host or a
// database of its own from them. One OpenID provider, where each console test registers a client of its own.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
[assembly: AssemblyFixture(typeof(PostgresFixture))]
[assembly: AssemblyFixture(typeof(OidcProviderFixture))]
