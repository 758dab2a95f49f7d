/**
 * The small Python program that sets up the sandbox from the inside, just before the guest starts:
 * hides paths (an empty read-only tmpfs over directories, /dev/null over files — only inside the
 * private mount namespace), drops every capability (bounding set emptied, no_new_privs), drops root
 * to the sandbox user where Portico is root, sets the resource limits, closes every
 * inherited descriptor above stderr, and `execve`s the interpreter on the guest's file with an empty
 * environment. Anything that fails here aborts the run (exit 125) instead of running unconfined.
 */

export const LAUNCHER_EXIT = 125;

export const PYTHON_LAUNCHER = String.raw`
import ctypes, json, os, resource, sys
job = json.loads(sys.argv[1])
def die(msg):
    os.write(2, ('portico sandbox: ' + msg + '\n').encode())
    os._exit(${LAUNCHER_EXIT})
try:
    if job['mount']:
        libc = ctypes.CDLL(None, use_errno=True)
        MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
        if libc.mount(b'none', b'/', None, MS_REC | MS_PRIVATE, None) != 0:
            die('cannot make mounts private: errno %d' % ctypes.get_errno())
        for path in job['hide']:
            if os.path.isdir(path):
                rc = libc.mount(b'tmpfs', path.encode(), b'tmpfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b'size=4k,mode=000')
            elif os.path.exists(path):
                rc = libc.mount(b'/dev/null', path.encode(), None, MS_BIND, None)
            else:
                continue
            if rc != 0:
                die('cannot hide %s: errno %d' % (path, ctypes.get_errno()))
except BaseException as err:
    die('setup failed: %s' % type(err).__name__)
# The guest runs in a child; this process stays as the namespace's init: it reaps orphans and
# reports how the guest ended (128 + signal, like a shell), which unshare alone does not pass on.
guest = os.fork()
if guest == 0:
    try:
        # No capabilities, ever again: with an empty bounding set even uid 0 of a user namespace
        # gets none at execve (so it cannot unmount what hides the data directory), and
        # no_new_privs makes setuid binaries run unprivileged.
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in range(64):
            if libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # PR_CAPBSET_DROP; EINVAL past the last cap
                die('cannot drop capability %d' % cap)
        libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            die('cannot set no_new_privs')
        if job['drop']:
            uid, gid = job['drop']
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            if os.getuid() != uid or os.geteuid() != uid:
                die('could not drop privileges')
        for name, soft, hard in job['limits']:
            resource.setrlimit(getattr(resource, name), (soft, hard))
        os.closerange(3, 65536)
        os.execve(job['python'], [job['python'], '-I', '-B', 'main.py'], {})
    except BaseException as err:
        die('setup failed: %s' % type(err).__name__)
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        os._exit(${LAUNCHER_EXIT})
    if pid == guest:
        break
os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
`;
