package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.Setting;

import java.util.Map;

/** A {@link Setting} of {@code run} as a client command takes it: its flag, else its environment variable, else the default. */
final class ClientSettings {

    private ClientSettings() {}

    /** @throws IllegalArgumentException in {@code run}'s words: the setting, the value (a password masked), its origin */
    static Object resolve(Setting setting, String flagValue, Map<String, String> env) {
        String raw = setting.defaultValue();
        String origin = "default";
        if (flagValue != null) {
            raw = flagValue;
            origin = "flag " + setting.flag();
        } else if (env.get(setting.env()) != null) {
            raw = env.get(setting.env());
            origin = "environment variable " + setting.env();
        }
        try {
            return setting.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    setting.key() + ": '" + setting.shown(raw) + "' from " + origin + " " + e.getMessage());
        }
    }
}
