// One of each service for the whole assembly: the pipeline's processes share them, each test gets its own database and vhost.
[assembly: AssemblyFixture(typeof(KafkaFixture))]
[assembly: AssemblyFixture(typeof(PostgresFixture))]
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
