package dev.loopgrid.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An entry's content, built to its type's layout ({@link EntryType#members()}): the canonical (RFC 8785) text and
 * its {@code content_hash}.
 *
 * @param canonical the canonical JSON text that is stored and hashed
 * @param hash      {@link EntryHasher#contentHash} of {@code canonical}
 */
public record EntryContent(EntryType type, String canonical, String hash) {

    /**
     * Sets each member of one entry type's content once. A member that is not in the layout, or a layout member left
     * unset, is a programming error ({@link IllegalArgumentException} / {@link IllegalStateException}): content of
     * another shape would hash differently from what every verifier expects.
     */
    public static final class Builder {
        private final EntryType type;
        private final ObjectNode node = JsonNodeFactory.instance.objectNode();

        Builder(EntryType type) {
            this.type = type;
        }

        /** Sets a member to a JSON value; null is JSON {@code null}. */
        public Builder set(String member, JsonNode value) {
            if (!type.members().contains(member)) {
                throw new IllegalArgumentException(type.wire() + " content has no member \"" + member + "\"");
            }
            node.set(member, value == null ? NullNode.instance : value);
            return this;
        }

        /** Sets a member to a JSON string; null is JSON {@code null}. */
        public Builder set(String member, String value) {
            return set(member, value == null ? null : JsonNodeFactory.instance.textNode(value));
        }

        /** The content object, every member set (for callers that canonicalise it themselves, e.g. streaming large content). */
        public ObjectNode node() {
            for (String m : type.members()) {
                if (!node.has(m)) throw new IllegalStateException(type.wire() + " content lacks \"" + m + "\"");
            }
            return node;
        }

        /** The canonical text and its hash. */
        public EntryContent build() {
            String canonical = Canonical.canonicalize(node());
            return new EntryContent(type, canonical, EntryHasher.contentHash(canonical));
        }
    }
}
