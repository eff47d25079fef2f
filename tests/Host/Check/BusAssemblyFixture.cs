// One RabbitMQ broker for the whole assembly (ztstream check's bus line); each test takes a virtual host of its own.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
