from .cli import main
from .private import keep_private

keep_private()
raise SystemExit(main())
