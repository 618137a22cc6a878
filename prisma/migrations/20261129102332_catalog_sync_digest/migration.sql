-- CreateTable
CREATE TABLE "catalog_sync" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "digest" TEXT NOT NULL,
    "syncedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "catalog_sync_pkey" PRIMARY KEY ("id")
);

