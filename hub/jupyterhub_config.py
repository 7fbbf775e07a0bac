# Race Lab on JupyterHub: a class on one machine, each student a server of their own.
#
#   jupyterhub -f hub/jupyterhub_config.py            (as root, in the folder that is to hold the hub's state)
#
# What it sets up: the dummy authenticator (ANY name logs in, with any password, or with
# $RACE_LAB_HUB_PASSWORD when set) and JupyterHub's simple local spawner (every student's server is a
# process of the hub's own user, home in <hub folder>/homes/<name>). That is a trial hub: it keeps
# the students' work apart by folders and processes, not by system users — for a real class, replace
# the two lines marked TRIAL with your authenticator and spawner (docs/JUPYTERHUB.md).
# `npm run test:hub` starts exactly this file (test/hub/class.test.ts).
#
# Read from the hub's environment:
#   RACE_LAB_COURSE         the student repository (`npm run release -- --student-repo DIR`, then
#                           `npm ci` and `node scripts/course.mjs setup --prefix /usr/local` in it);
#                           default: the repository holding this file
#   RACE_LAB_KERNEL_PREFIX  the prefix that setup registered the kernel under, when it is not one
#                           Jupyter searches anyway (/usr/local, /usr): given to students as JUPYTER_PATH
#   DATABASE_URL            the class's PostgreSQL: given to every student (lessons 12 and 13 then run
#                           there, each kernel in a schema of its own)
#   RACE_LAB_HUB_DRIVER_TOKEN  registers the service "race-lab-driver" with this API token and the
#                           role "class-driver" (make students, start their servers, use them): for
#                           the test, or an instructor's script
#   RACE_LAB_HARNESS_RUN    passed on to the students' servers: the test's marker for their processes
#   RACE_LAB_CLASS_SALT     the class's secret, mixed into each student's anonymous id in the class's
#                           race statistics (kept in DATABASE_URL's race_lab_class schema), so that
#                           nobody can recompute ids from login names
import os
import shutil
import sys

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.abspath(os.environ.get("RACE_LAB_COURSE") or os.path.dirname(HERE))
HOMES = os.path.join(os.getcwd(), "homes")
LESSONS = "race-lab/notebooks"  # inside each home

if not os.path.isfile(os.path.join(COURSE, "notebooks", "00-welcome.ipynb")):
    sys.exit(f"jupyterhub_config.py: RACE_LAB_COURSE={COURSE} holds no notebooks/00-welcome.ipynb: "
             "name the student repository (or the course's clone)")
if not os.path.isdir(os.path.join(COURSE, "node_modules", "tslab")):
    sys.exit(f"jupyterhub_config.py: {COURSE} has no node_modules/tslab: run `npm ci` there first")

# --- who logs in, where their servers run (TRIAL: replace both for a real class) -------------------
c.JupyterHub.authenticator_class = "dummy"  # TRIAL
c.DummyAuthenticator.password = os.environ.get("RACE_LAB_HUB_PASSWORD", "")
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"  # TRIAL
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(HOMES, "{username}")

# This machine only: put a proxy with HTTPS in front of it (or set c.JupyterHub.bind_url) for a class.
# The hub keeps its state (its database, cookie secret) in the folder it was started in.
c.JupyterHub.ip = "127.0.0.1"

# Debian's configurable-http-proxy loads its modules from /usr/share/nodejs, which only Debian's own
# node searches by itself: with another node first on PATH (NodeSource, nvm) the proxy would not start.
proxy = shutil.which("configurable-http-proxy")
if proxy and os.path.realpath(proxy).startswith("/usr/share/nodejs/"):
    paths = [p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    if "/usr/share/nodejs" not in paths:
        os.environ["NODE_PATH"] = os.pathsep.join(paths + ["/usr/share/nodejs"])

# --- each student's server --------------------------------------------------------------------------
# Jupyter refuses to run as root without --allow-root; the simple spawner runs servers as the hub's user.
if os.getuid() == 0:
    c.Spawner.args = ["--allow-root"]
try:
    import jupyterlab  # noqa: F401 - only asking whether the students' servers can serve JupyterLab
    c.Spawner.default_url = f"/lab/tree/{LESSONS}/00-welcome.ipynb"
except ImportError:
    c.Spawner.default_url = f"/notebooks/{LESSONS}/00-welcome.ipynb"
c.Spawner.start_timeout = 120  # a busy machine: the server imports Jupyter in a few seconds, or many more
c.Spawner.http_timeout = 120
# The most memory one student's server may use: its kernel, and what the lessons start. The class
# test prints each student's peak (lessons 12 and 13): set this from the figure on your machine. The
# local spawner only passes it on (MEM_LIMIT); container spawners (Kubernetes, Docker) enforce it.
c.Spawner.mem_limit = "1G"

environment = {}
if os.environ.get("DATABASE_URL"):
    environment["DATABASE_URL"] = os.environ["DATABASE_URL"]
if os.environ.get("RACE_LAB_KERNEL_PREFIX"):
    environment["JUPYTER_PATH"] = os.path.join(os.environ["RACE_LAB_KERNEL_PREFIX"], "share", "jupyter")
if os.environ.get("RACE_LAB_HARNESS_RUN"):
    environment["RACE_LAB_HARNESS_RUN"] = os.environ["RACE_LAB_HARNESS_RUN"]
if os.environ.get("RACE_LAB_CLASS_SALT"):
    environment["RACE_LAB_CLASS_SALT"] = os.environ["RACE_LAB_CLASS_SALT"]
# The demos' outcomes, kept in the student's home.
environment["RACE_LAB_OUTCOMES"] = lambda spawner: os.path.join(spawner.home_dir, "race-lab-outcomes.jsonl")
c.Spawner.environment = environment


def give_the_lessons(spawner):
    """First start only: the student's own copy of the notebooks and the Python ports (theirs to edit
    from then on), beside a link to the course's node_modules, so that `import … from "race-lab"` and
    the kernel's type-checking find the library. notebooks/ sits at the same depth as in the
    repository: the lessons' relative paths (../python/…) keep working."""
    course = os.path.join(spawner.home_dir, "race-lab")
    if os.path.exists(course):
        return
    os.makedirs(course, mode=0o755)
    for folder in ("notebooks", "python"):
        shutil.copytree(os.path.join(COURSE, folder), os.path.join(course, folder))
    os.symlink(os.path.join(COURSE, "node_modules"), os.path.join(course, "node_modules"))


c.Spawner.pre_spawn_hook = give_the_lessons

# --- the driver: a service that makes students and runs their servers -----------------------------
if os.environ.get("RACE_LAB_HUB_DRIVER_TOKEN"):
    c.JupyterHub.services = [{"name": "race-lab-driver", "api_token": os.environ["RACE_LAB_HUB_DRIVER_TOKEN"]}]
    # Role names need three characters or more.
    c.JupyterHub.load_roles = [{
        "name": "class-driver",
        "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "read:users"],
        "services": ["race-lab-driver"],
    }]
