package dev.stemma.neo4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs Neo4j community embedded with its Bolt connector on 127.0.0.1 until the
 * process is asked to stop; a shutdown hook closes the database cleanly so that
 * every committed transaction is on disk before the JVM exits.
 *
 * Usage: LocalNeo4j HOME_DIR BOLT_PORT PAGE_CACHE TX_TIMEOUT_SECONDS
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LocalNeo4j HOME_DIR BOLT_PORT PAGE_CACHE TX_TIMEOUT_SECONDS");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String pageCache = args[2];
        long txTimeoutSeconds = Long.parseLong(args[3]);
        Files.createDirectories(home);

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pageCache))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(txTimeoutSeconds))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stemma-local-neo4j: shutting down");
            service.shutdown();
            System.out.println("stemma-local-neo4j: stopped");
            stopped.countDown();
        }, "stemma-neo4j-shutdown"));

        System.out.println("stemma-local-neo4j: bolt listening on 127.0.0.1:" + port);
        stopped.await();
    }

    private static long parseBytes(String value) {
        String v = value.trim().toLowerCase();
        long unit = 1;
        if (v.endsWith("g")) {
            unit = 1024L * 1024 * 1024;
        } else if (v.endsWith("m")) {
            unit = 1024L * 1024;
        } else if (v.endsWith("k")) {
            unit = 1024L;
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        return Long.parseLong(digits) * unit;
    }
}
