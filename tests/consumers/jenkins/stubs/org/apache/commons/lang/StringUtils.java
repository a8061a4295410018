// Stub of commons-lang 2's StringUtils (tests/consumers/jenkins/README.md): the methods the plugin's
// model calls, with commons-lang's documented semantics (blank = null, empty or only whitespace).
package org.apache.commons.lang;

public final class StringUtils {
    private StringUtils() {
    }

    public static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    public static boolean isNotEmpty(String s) {
        return !isEmpty(s);
    }

    public static boolean isBlank(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    public static boolean isNotBlank(String s) {
        return !isBlank(s);
    }

    public static String join(Iterable<?> parts, String separator) {
        StringBuilder joined = new StringBuilder();
        for (Object part : parts) {
            if (joined.length() > 0) {
                joined.append(separator);
            }
            joined.append(part);
        }
        return joined.toString();
    }
}
