package dev.loopgrid.local.store;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Records every DynamoDB request a client sends (one record per HTTP attempt), for tests that count or inspect them. */
final class RequestLog implements ExecutionInterceptor {

    record Sent(String operation, SdkRequest request) {}

    private final List<Sent> sent = new ArrayList<>();

    @Override
    public synchronized void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        sent.add(new Sent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), context.request()));
    }

    synchronized void clear() {
        sent.clear();
    }

    synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    synchronized List<String> operations() {
        return sent.stream().map(Sent::operation).toList();
    }

    synchronized long count(String operation) {
        return sent.stream().filter(s -> s.operation().equals(operation)).count();
    }

    synchronized int size() {
        return sent.size();
    }

    /** The requests of one type, in order. */
    synchronized <T extends SdkRequest> List<T> requests(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Sent s : sent) if (type.isInstance(s.request())) out.add(type.cast(s.request()));
        return out;
    }
}
