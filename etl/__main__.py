from .cli import main
from core.private import keep_private

keep_private()
raise SystemExit(main())
