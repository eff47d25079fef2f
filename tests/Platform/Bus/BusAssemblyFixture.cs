// One RabbitMQ broker for the whole assembly; each test takes a virtual host of its own from it.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
