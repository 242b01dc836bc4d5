/*
 * Read-copy-update as QEMU's qemu/rcu.h offers it, reduced to what a host
 * of SwiftTCE needs: read-side sections, grace periods and deferred
 * callbacks.
 *
 * A reader brackets its use of RCU-protected pointers with rcu_read_lock()
 * and rcu_read_unlock() (they nest); a writer unpublishes a pointer, then
 * frees what it pointed to after synchronize_rcu() or from a call_rcu1()
 * callback, when no reader that could have seen it is left. Every thread
 * that reads calls rcu_register_thread() first (the main thread is
 * registered already) and rcu_unregister_thread() before it exits.
 */
#ifndef QEMU_RCU_H
#define QEMU_RCU_H

struct rcu_head;
typedef void RCUCBFunc(struct rcu_head *head);

/* Embed in what is to be freed; call_rcu1 fills it in. */
struct rcu_head {
    struct rcu_head *next;
    RCUCBFunc *func;
};

void rcu_register_thread(void);
void rcu_unregister_thread(void);

void rcu_read_lock(void);
void rcu_read_unlock(void);

/* Waits until every read-side section that began before it has ended. */
void synchronize_rcu(void);

/*
 * Runs func(head) on the call_rcu thread once a grace period has passed.
 * (QEMU's call_rcu macro casts func to take the enclosing type; calling a
 * function through another type is undefined, so callbacks here take the
 * rcu_head and use container_of.)
 */
void call_rcu1(struct rcu_head *head, RCUCBFunc *func);

/* Waits until every callback queued so far, and any they queue, has run. */
void drain_call_rcu(void);

#endif /* QEMU_RCU_H */
