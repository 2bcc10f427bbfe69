package dev.loopgrid.local;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.subject.FileKeyWrapper;
import dev.loopgrid.core.lifecycle.LifecycleService;
import dev.loopgrid.core.decision.ContentStore;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.report.ReportStore;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Test fixture: the shapes of {@link App} the tests build, through {@link App#builder}. */
public final class TestApps {
    private TestApps() {}

    /** Ledger only: no replay queue, no report or content storage. */
    public static App create(DynamoDbClient dynamo, App.Config config, Clock clock) {
        return App.builder(dynamo, config, clock).subjects(FileKeyWrapper.generate(), LifecycleService.Settings.defaults()).build();
    }

    /** Ledger only, appending by {@code policy} (e.g. staged, as on Lambda). */
    public static App create(DynamoDbClient dynamo, App.Config config, Clock clock, dev.loopgrid.core.ledger.Ledger.Policy policy) {
        return App.builder(dynamo, config, clock).appendPolicy(policy)
                .subjects(FileKeyWrapper.generate(), LifecycleService.Settings.defaults()).build();
    }

    /** With a replay queue and providers. */
    public static App create(DynamoDbClient dynamo, SqsClient sqs, App.Config config, App.ReplayConfig replayConfig,
                             Map<String, LlmProvider> providers, Clock clock) {
        return App.builder(dynamo, config, clock).replays(sqs, replayConfig).providers(providers)
                .subjects(FileKeyWrapper.generate(), LifecycleService.Settings.defaults()).build();
    }

    /** With report storage. */
    public static App create(DynamoDbClient dynamo, SqsClient sqs, ReportStore reportStore, App.Config config,
                             App.ReplayConfig replayConfig, App.ReportConfig reportConfig,
                             Map<String, LlmProvider> providers, Clock clock) {
        return create(dynamo, sqs, reportStore, null, config, replayConfig, reportConfig, providers, clock);
    }

    /** With report and large-content storage. */
    public static App create(DynamoDbClient dynamo, SqsClient sqs, ReportStore reportStore, ContentStore contentStore,
                             App.Config config, App.ReplayConfig replayConfig, App.ReportConfig reportConfig,
                             Map<String, LlmProvider> providers, Clock clock) {
        return App.builder(dynamo, config, clock).replays(sqs, replayConfig).reports(reportStore, reportConfig)
                .content(contentStore).providers(providers)
                .subjects(FileKeyWrapper.generate(), LifecycleService.Settings.defaults()).build();
    }
}
