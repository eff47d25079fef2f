using ZtStream.TestSupport.Services;

// One RabbitMQ broker and one PostgreSQL server for the whole assembly; each test takes a virtual host or a
// database of its own from them.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
[assembly: AssemblyFixture(typeof(PostgresFixture))]
