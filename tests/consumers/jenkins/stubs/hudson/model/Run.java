// Stub of Jenkins core's hudson.model.Run (tests/consumers/jenkins/README.md): one build without
// predecessors that holds the actions it is given (the token macro reads the Robot action from it).
package hudson.model;

import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;

public class Run<J extends Job<J, R>, R extends Run<J, R>> {
    private final List<Object> actions = new ArrayList<>();

    public void addAction(Object action) {
        actions.add(action);
    }

    public <T> T getAction(Class<T> type) {
        for (Object action : actions) {
            if (type.isInstance(action)) {
                return type.cast(action);
            }
        }
        return null;
    }

    public R getPreviousBuild() {
        return null;
    }

    public int getNumber() {
        return 1;
    }

    public J getParent() {
        return null;
    }

    public Calendar getTimestamp() {
        return Calendar.getInstance();
    }

    public String getUrl() {
        return "job/smoke/1/";
    }
}
